import type { CliBackends } from '../../src/cli/cli-context.js';
import { runCli } from '../../src/cli/program.js';

/** For commands that only call the server: any other backend use fails the test. */
export const SERVER_ONLY: CliBackends = {
  serve: () => Promise.reject(new Error('serve is not part of this test')),
  migrate: () => Promise.reject(new Error('migrate is not part of this test')),
  checkConfig: () => Promise.reject(new Error('config check is not part of this test')),
  openDatabaseDlq: () => Promise.reject(new Error('no database in this test')),
  configuredServer: () => Promise.reject(new Error('no config file in this test')),
};

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in this process, as `alert-publisher ARGS` would, and collects what it printed. */
export async function runCommand(
  args: readonly string[],
  backends: CliBackends = SERVER_ONLY,
  env: Record<string, string> = {},
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    { out: (t) => out.push(t), err: (t) => err.push(t), env },
    backends,
    '1.2.3',
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}
