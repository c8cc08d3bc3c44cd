// First and alone: from here on a SIGHUP while the rest loads cannot kill `serve`.
import { hangupWhileLoading } from './hangup-while-loading.js';
import type { CliIo } from './cli/cli-context.js';

/** `alert-publisher …` (bin/alert-publisher.js runs this). */

// `alert-publisher dlq list | head`: the reader left; stop quietly as Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const [{ createCliBackends }, { runCli }, { packageVersion }] = await Promise.all([
  import('./cli-backends.js'),
  import('./cli/program.js'),
  import('./cli/version.js'),
]);
// Any other command gets SIGHUP's default action back (ending it), also for one sent meanwhile.
if (process.argv[2] !== 'serve' && hangupWhileLoading()) process.kill(process.pid, 'SIGHUP');

const io: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
};
const version = packageVersion();
process.exitCode = await runCli(process.argv.slice(2), io, createCliBackends(io, version), version);
