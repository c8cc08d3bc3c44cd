import { createCliBackends } from './cli-backends.js';
import type { CliIo } from './cli/cli-context.js';
import { runCli } from './cli/program.js';
import { packageVersion } from './cli/version.js';

/**
 * `npm start`: the service itself, i.e. `alert-publisher serve [--config path]`. Exit code 0
 * after a graceful stop, 2 for a bad configuration (every problem listed, no stack trace).
 */
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
