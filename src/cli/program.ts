import { Command, CommanderError } from 'commander';

import { AppError } from '../domain/errors.js';

import { alertsCommand } from './alert-commands.js';
import type { CliBackends, CliIo, CommandIo } from './cli-context.js';
import { DEFAULT_URL, EXIT, flag, printErrorJson, reportFailure } from './cli-context.js';
import { dlqCommand } from './dlq-commands.js';
import {
  configCommand,
  jobsCommand,
  migrateCommand,
  serveCommand,
  targetsCommand,
} from './service-commands.js';

export function createProgram(io: CommandIo, backends: CliBackends, version: string): Command {
  const program = new Command('alert-publisher')
    .description('Delivers Alertmanager alerts to webhooks, Slack, PagerDuty and Rootly')
    .version(version)
    .option(
      '-c, --config <path>',
      'config file (default: ALERT_PUBLISHER_CONFIG or the bundled example)',
    )
    .option(
      '--url <url>',
      `running server (default: ALERT_PUBLISHER_URL, else server.host/port of --config or ALERT_PUBLISHER_CONFIG, else ${DEFAULT_URL})`,
    )
    .option(
      '--token <token>',
      'API token (default: ALERT_PUBLISHER_API_TOKEN, else auth.api_token of the config the URL came from)',
    )
    .option('--database-url <url>', 'PostgreSQL URL for dlq commands (default: DATABASE_URL)')
    .option('--json', 'print JSON for scripts')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
    });
  program.addCommand(serveCommand(io, backends));
  program.addCommand(migrateCommand(io, backends));
  program.addCommand(dlqCommand(io, backends));
  program.addCommand(jobsCommand(io, backends));
  program.addCommand(alertsCommand(io, backends));
  program.addCommand(targetsCommand(io, backends));
  program.addCommand(configCommand(io, backends));
  for (const command of program.commands) inheritOverrides(command, io);
  return program;
}

function inheritOverrides(command: Command, io: CliIo): void {
  command.exitOverride().configureOutput({
    writeOut: (text) => io.out(text.trimEnd()),
    writeErr: (text) => io.err(text.trimEnd()),
  });
  for (const sub of command.commands) inheritOverrides(sub, io);
}

/** Parses `args` (without node and the script), runs the command, returns the exit code. */
export async function runCli(
  args: readonly string[],
  io: CliIo,
  backends: CliBackends,
  version: string,
): Promise<number> {
  let exitCode: number = EXIT.ok;
  const commandIo: CommandIo = { ...io, setExitCode: (code) => (exitCode = code) };
  const program = createProgram(commandIo, backends, version);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return exitCode;
  } catch (error: unknown) {
    if (error instanceof CommanderError) {
      // Help and version end with exit code 0; usage errors were already printed by commander
      // on stderr. With --json a script reading stdout gets the error envelope too (docs/cli.md).
      if (error.exitCode === 0) return EXIT.ok;
      if (flag(program.opts(), 'json')) {
        const message = error.message.replace(/^error: /, '');
        printErrorJson(io, new AppError('invalid_request', message));
      }
      return EXIT.usage;
    }
    return reportFailure(io, error, flag(program.opts(), 'json'));
  }
}
