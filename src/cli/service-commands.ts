import { Command, Option } from 'commander';
import type { OptionValues } from 'commander';

import { JOB_STATES, PRIORITIES } from '../domain/job.js';
import type { CliBackends, CommandIo } from './cli-context.js';
import {
  EXIT,
  connectionOf,
  numberOption,
  serverConnectionOf,
  stringOption,
} from './cli-context.js';
import { integer } from './dlq-commands.js';
import { uuidArgument } from './id-arguments.js';
import { renderJobTable } from './job-table.js';
import { json, pick, renderFields, renderTable } from './output.js';

const JOB_FIELDS = [
  'id',
  'state',
  'target',
  'priority',
  'alertname',
  'alert_status',
  'fingerprint',
  'attempts',
  'retries',
  'submitted_at',
  'started_at',
  'completed_at',
  'next_attempt_at',
  'waiting_for_target',
  'dead_letter_after',
  'last_error.reason',
  'last_error.http_status',
  'last_error.message',
  'replay_of',
];

/** jobs and targets live in the running process: these always call the server. */
export function jobsCommand(io: CommandIo, backends: CliBackends): Command {
  const jobs = new Command('jobs').description(
    'jobs of the running server (memory mode: the last tracking.capacity; durable: until queue.durable.retention)',
  );
  jobs
    .command('show')
    .description('one job: state, attempts, last error')
    .argument('<id>', 'job id (a UUID)', uuidArgument)
    .action(async (id: string, _options: OptionValues, command: Command) => {
      const connection = await serverConnectionOf(command.optsWithGlobals(), io, backends);
      const job = await connection.api.get(
        `/api/v2/publishing/queue/jobs/${encodeURIComponent(id)}`,
      );
      io.out(connection.json ? json(job) : renderFields(job, JOB_FIELDS));
    });
  jobs
    .command('list')
    .description('most recently updated jobs')
    .addOption(new Option('--state <state>').choices(JOB_STATES))
    .addOption(new Option('--priority <priority>').choices(PRIORITIES))
    .option('--target <name>')
    .option('--limit <n>', 'at most (max 1000)', integer(1, 1000), 100)
    .action(async (options: OptionValues, command: Command) => {
      const connection = await serverConnectionOf(command.optsWithGlobals(), io, backends);
      const result = await connection.api.get('/api/v2/publishing/queue/jobs', {
        state: stringOption(options, 'state'),
        priority: stringOption(options, 'priority'),
        target: stringOption(options, 'target'),
        limit: numberOption(options, 'limit', 100),
      });
      if (connection.json) return io.out(json(result));
      const rows = pick(result, 'jobs');
      io.out(renderJobTable(Array.isArray(rows) ? rows : []));
    });
  return jobs;
}

export function targetsCommand(io: CommandIo, backends: CliBackends): Command {
  const targets = new Command('targets').description(
    'configured targets (from the running server)',
  );
  targets
    .command('list')
    .description(
      'targets with their breaker state, since when it is open, and their active jobs; secrets masked',
    )
    .action(async (_options: OptionValues, command: Command) => {
      const connection = await serverConnectionOf(command.optsWithGlobals(), io, backends);
      const result = await connection.api.get('/api/v2/publishing/targets');
      if (connection.json) return io.out(json(result));
      const rows = pick(result, 'targets');
      io.out(
        renderTable(Array.isArray(rows) ? rows : [], [
          { header: 'name', path: 'name' },
          { header: 'type', path: 'type' },
          { header: 'enabled', path: 'enabled' },
          { header: 'breaker', path: 'breaker_state' },
          { header: 'breaker_opened_at', path: 'breaker_opened_at' },
          { header: 'active_jobs', path: 'active_jobs' },
          { header: 'oldest_job_age_s', path: 'oldest_job_age_seconds' },
        ]),
      );
    });
  targets
    .command('test <name>')
    .description('send a clearly labelled test alert to the target now')
    .action(async (name: string, _options: OptionValues, command: Command) => {
      const connection = await serverConnectionOf(command.optsWithGlobals(), io, backends);
      const result = await connection.api.post(
        `/api/v2/publishing/targets/${encodeURIComponent(name)}/test`,
      );
      io.out(connection.json ? json(result) : renderFields(result));
      if (pick(result, 'ok') !== true) io.setExitCode(EXIT.failed);
    });
  return targets;
}

export function serveCommand(io: CommandIo, backends: CliBackends): Command {
  return new Command('serve')
    .description('run the service (HTTP API, webhook, workers) until SIGTERM/SIGINT')
    .action(async (_options: OptionValues, command: Command) => {
      const configPath = stringOption(command.optsWithGlobals(), 'config');
      io.setExitCode(await backends.serve(configPath));
    });
}

export function migrateCommand(io: CommandIo, backends: CliBackends): Command {
  return new Command('migrate')
    .description('apply pending database migrations (DATABASE_URL, --database-url or the config)')
    .action(async (_options: OptionValues, command: Command) => {
      const connection = connectionOf(command.optsWithGlobals(), io);
      const { applied, warnings } = await backends.migrate(
        connection.databaseUrl,
        connection.configPath,
      );
      for (const warning of warnings) io.err(`warning: ${warning}`);
      if (connection.json) return io.out(json({ applied, warnings }));
      io.out(applied.length === 0 ? 'database is up to date' : `applied: ${applied.join(', ')}`);
    });
}

export function configCommand(io: CommandIo, backends: CliBackends): Command {
  const config = new Command('config').description('configuration');
  config
    .command('check')
    .description('validate the config file and list every problem')
    .action(async (_options: OptionValues, command: Command) => {
      const connection = connectionOf(command.optsWithGlobals(), io);
      const check = await backends.checkConfig(connection.configPath);
      if (connection.json) io.out(json({ ok: check.problems.length === 0, ...check }));
      else if (check.problems.length > 0) {
        io.err(`invalid configuration (${check.source}):`);
        for (const problem of check.problems) io.err(`  - ${problem}`);
      } else io.out(['config OK', ...check.summary.map((line) => `  ${line}`)].join('\n'));
      if (check.problems.length > 0) io.setExitCode(EXIT.usage);
    });
  return config;
}
