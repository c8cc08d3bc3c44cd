// First and alone: from here on a SIGHUP while the rest loads cannot kill the process.
import './hangup-while-loading.js';
import type { CliIo } from './cli/cli-context.js';

/**
 * `npm start`: the service itself, i.e. `alert-publisher serve [--config path]`. Exit code 0
 * after a graceful stop, 2 for a bad configuration (every problem listed, no stack trace).
 * The rest is loaded after the SIGHUP listener is in place (hangup-while-loading.ts).
 */
const [{ createCliBackends }, { runCli }, { packageVersion }] = await Promise.all([
  import('./cli-backends.js'),
  import('./cli/program.js'),
  import('./cli/version.js'),
]);
const io: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
};
const version = packageVersion();
process.exitCode = await runCli(
  ['serve', ...process.argv.slice(2)],
  io,
  createCliBackends(io, version),
  version,
);
