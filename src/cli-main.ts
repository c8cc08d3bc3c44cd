import { createCliBackends } from './cli-backends.js';
import type { CliIo } from './cli/cli-context.js';
import { runCli } from './cli/program.js';
import { packageVersion } from './cli/version.js';

/** `alert-publisher …` (bin/alert-publisher.js runs this). */

// `alert-publisher dlq list | head`: the reader left; stop quietly as Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const io: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
};
const version = packageVersion();
process.exitCode = await runCli(process.argv.slice(2), io, createCliBackends(io, version), version);
