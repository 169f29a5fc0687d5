/** jest globalTeardown: stop the servers globalSetup started (no-op with SYNCTL_HARNESS=off). */

import { stopHarness } from './index';

export default async function globalTeardown(): Promise<void> {
  if (process.env.SYNCTL_HARNESS === 'off') return;
  await stopHarness();
}
