/**
 * jest globalSetup: start the private MariaDB and PostgreSQL once per run (in this, the main jest
 * process) and publish their facts through process.env.SYNCTL_HARNESS_FILE, which the test
 * workers inherit. SYNCTL_HARNESS=off starts nothing; tests asking for servers then fail clearly.
 */

import { startHarness } from './index';

export default async function globalSetup(): Promise<void> {
  if (process.env.SYNCTL_HARNESS === 'off') {
    delete process.env.SYNCTL_HARNESS_FILE;
    return;
  }
  const h = await startHarness();
  if (process.env.SYNCTL_HARNESS_VERBOSE === '1' || process.env.SYNCTL_KEEP_SERVERS === '1') {
    process.stderr.write(
      `\nsynctl test harness: MariaDB 127.0.0.1:${h.mariadb.port}, PostgreSQL 127.0.0.1:${h.postgres.port}, ` +
        `started in ${h.startupMs} ms (${h.file})\n`,
    );
  }
}
