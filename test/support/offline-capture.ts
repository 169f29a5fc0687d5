import { harness } from '../harness';
import { expectExitOk, runSynctl } from './synctl-process';

/**
 * The frames `synctl capture --offline` writes for the harness MariaDB's binlogs (from
 * `start`, a binlog position, or from the first file), with its state kept in `state`.
 * The caller runs FLUSH BINARY LOGS first, so the changes it wants are in closed files.
 */
export async function captureFrames(config: string, state: string, start?: string): Promise<Buffer> {
  const from = start === undefined ? [] : ['--start', start];
  const cap = await runSynctl(['capture', '-c', config, '--offline', `${harness().mariadb.binlogBasename}.index`, ...from, '--to', '-', '--state', state]);
  expectExitOk(cap, 'capture');
  return cap.stdout;
}
