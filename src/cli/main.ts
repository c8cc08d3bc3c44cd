import { createCliBackends } from './backends.js';
import type { CliIo } from './cli-context.js';
import { runCli } from './program.js';
import { packageVersion } from './version.js';

/** `alert-publisher …` (bin/alert-publisher.js runs this). */
const io: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
};
const version = packageVersion();
process.exitCode = await runCli(process.argv.slice(2), io, createCliBackends(io, version), version);
