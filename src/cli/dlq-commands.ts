import { Command, InvalidArgumentError, Option } from 'commander';
import type { OptionValues } from 'commander';

import { ERROR_TYPES, FAILURE_REASONS } from '../domain/failure.js';
import type { ErrorType, FailureReason } from '../domain/failure.js';
import { PRIORITIES } from '../domain/job.js';
import type { Priority } from '../domain/job.js';
import type { DlqFilterInput } from '../dlq/dlq-filter-input.js';
import { decodeReplayCursor } from '../dlq/replay-cursor.js';
import { bulkReplayCounts, replayUntilDone, totalOf } from './bulk-replay-runs.js';
import type { CliBackends, CommandIo } from './cli-context.js';
import {
  EXIT,
  dlqConnectionOf,
  flag,
  numberOption,
  serverConnectionOf,
  stringOption,
  withDlq,
} from './cli-context.js';
import { serverReplays } from './dlq-backend.js';
import { uuidArgument } from './id-arguments.js';
import type { Column } from './output.js';
import { json, pick, renderCounts, renderFields, renderTable } from './output.js';

const ENTRY_COLUMNS: Column[] = [
  { header: 'id', path: 'id' },
  { header: 'failed_at', path: 'failed_at' },
  { header: 'target', path: 'target_name' },
  { header: 'priority', path: 'priority' },
  { header: 'reason', path: 'error_reason' },
  { header: 'status', path: 'http_status' },
  { header: 'retries', path: 'retry_count' },
  { header: 'replayed', path: 'replayed' },
  { header: 'alertname', path: 'enriched_alert.alert.labels.alertname' },
];

export function integer(min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    }
    return value;
  };
}

function isoTime(text: string): string {
  if (Number.isNaN(Date.parse(text))) throw new InvalidArgumentError('must be an ISO-8601 time');
  return new Date(text).toISOString();
}

/** A bulk replay's `next_cursor`, checked as the server checks it. */
function replayCursor(text: string): string {
  try {
    decodeReplayCursor(text, '--after');
  } catch (error: unknown) {
    const invalid = new InvalidArgumentError('must be the next_cursor of a previous bulk replay');
    invalid.cause = error;
    throw invalid;
  }
  return text;
}

function oneOf<T extends string>(values: readonly T[], value: unknown): T | undefined {
  return values.find((candidate) => candidate === value);
}

/** The filter flags shared by `dlq list` and `dlq replay --all`. */
function withFilterOptions(command: Command): Command {
  return command
    .option('--target <name>', 'target name')
    .addOption(new Option('--error-type <type>', 'error type').choices(ERROR_TYPES))
    .addOption(new Option('--reason <reason>', 'failure reason').choices(FAILURE_REASONS))
    .addOption(new Option('--priority <priority>', 'priority').choices(PRIORITIES))
    .addOption(new Option('--replayed <bool>', 'replayed or not').choices(['true', 'false']))
    .addOption(
      new Option(
        '--possibly-delivered <bool>',
        'in flight when a stop gave up on it (the target may have it)',
      ).choices(['true', 'false']),
    )
    .option('--fingerprint <hex>', 'alert fingerprint (16 hex digits)')
    .option('--failed-after <time>', 'failed at or after (ISO-8601)', isoTime)
    .option('--failed-before <time>', 'failed before (ISO-8601)', isoTime);
}

function filterOf(options: OptionValues): DlqFilterInput {
  const filter: DlqFilterInput = {};
  const target = stringOption(options, 'target');
  if (target !== undefined) filter.target = target;
  const errorType: ErrorType | undefined = oneOf(ERROR_TYPES, options['errorType']);
  if (errorType !== undefined) filter.error_type = errorType;
  const reason: FailureReason | undefined = oneOf(FAILURE_REASONS, options['reason']);
  if (reason !== undefined) filter.reason = reason;
  const priority: Priority | undefined = oneOf(PRIORITIES, options['priority']);
  if (priority !== undefined) filter.priority = priority;
  const replayed = stringOption(options, 'replayed');
  if (replayed !== undefined) filter.replayed = replayed === 'true';
  const possiblyDelivered = stringOption(options, 'possiblyDelivered');
  if (possiblyDelivered !== undefined) filter.possibly_delivered = possiblyDelivered === 'true';
  const fingerprint = stringOption(options, 'fingerprint');
  if (fingerprint !== undefined) filter.fingerprint = fingerprint;
  const after = stringOption(options, 'failedAfter');
  if (after !== undefined) filter.failed_after = after;
  const before = stringOption(options, 'failedBefore');
  if (before !== undefined) filter.failed_before = before;
  return filter;
}

export function dlqCommand(io: CommandIo, backends: CliBackends): Command {
  const dlq = new Command('dlq').description(
    'dead-letter queue: with DATABASE_URL/--database-url reads the database, else the server',
  );

  withFilterOptions(dlq.command('list').description('list dead letters, newest first'))
    .option('--limit <n>', 'page size (max 1000)', integer(1, 1000), 100)
    .option('--offset <n>', 'skip this many', integer(0, 1_000_000), 0)
    .option('--before <cursor>', 'keyset cursor from a previous page')
    .action(async (options: OptionValues, command: Command) => {
      const connection = await dlqConnectionOf(command.optsWithGlobals(), io, backends);
      const before = stringOption(options, 'before');
      const page = await withDlq(connection, backends, (backend) =>
        backend.list(filterOf(options), {
          limit: numberOption(options, 'limit', 100),
          offset: numberOption(options, 'offset', 0),
          ...(before === undefined ? {} : { before }),
        }),
      );
      if (connection.json) return io.out(json(page));
      const entries = pick(page, 'entries');
      io.out(renderTable(Array.isArray(entries) ? entries : [], ENTRY_COLUMNS));
      const bound = pick(page, 'total_is_lower_bound') === true ? ' (at least)' : '';
      const cursor = pick(page, 'next_cursor');
      io.out(
        `${Array.isArray(entries) ? entries.length : 0} shown of ${String(pick(page, 'total'))}${bound}` +
          (typeof cursor === 'string' ? `; next page: --before ${cursor}` : ''),
      );
    });

  dlq
    .command('show')
    .description('one dead letter with its full alert')
    .argument('<id>', 'dead letter id (a UUID)', uuidArgument)
    .action(async (id: string, _options: OptionValues, command: Command) => {
      const connection = await dlqConnectionOf(command.optsWithGlobals(), io, backends);
      const entry = await withDlq(connection, backends, (backend) => backend.show(id));
      if (connection.json) return io.out(json(entry));
      io.out(
        renderFields(entry, [
          'id',
          'job_id',
          'target_name',
          'target_type',
          'priority',
          'fingerprint',
          'error_type',
          'error_reason',
          'http_status',
          'error_message',
          'retry_count',
          'last_retry_at',
          'failed_at',
          'replayed',
          'replayed_at',
          'replay_result',
          'replay_job_id',
          'replay_of',
          'possibly_delivered',
          'superseded',
        ]),
      );
      io.out(`alert:\n${json(pick(entry, 'enriched_alert'))}`);
    });

  withFilterOptions(
    dlq
      .command('replay')
      .description('replay one entry, or with --all every unreplayed entry matching the filters')
      .argument('[id]', 'dead letter id (a UUID)', uuidArgument),
  )
    .option('--all', 'replay by filter instead of one id')
    .option(
      '--limit <n>',
      'replay at most this many; skipped ones do not count (max 1000)',
      integer(1, 1000),
      100,
    )
    .option('--dry-run', 'only count what would be replayed')
    .option(
      '--after <cursor>',
      'go on after the letters a previous run examined (its next_cursor)',
      replayCursor,
    )
    .option('--until-done', 'run again from where each run ended until no more letters match')
    .option('--force', 'replay one entry even if a newer state of its alert was sent or is queued')
    .action(async (id: string | undefined, options: OptionValues, command: Command) => {
      const connection = await serverConnectionOf(command.optsWithGlobals(), io, backends);
      const all = flag(options, 'all');
      if ((id === undefined) === !all) {
        command.error('give either an entry id or --all with filters', { exitCode: 2 });
      }
      const first = stringOption(options, 'after');
      const untilDone = flag(options, 'untilDone');
      if (!all && (first !== undefined || untilDone)) {
        command.error('--after and --until-done go with --all', { exitCode: 2 });
      }
      const isDryRun = flag(options, 'dryRun');
      const replays = serverReplays(connection.api);
      if (id !== undefined) {
        const result = await replays.replay(id, flag(options, 'force'));
        if (connection.json) return io.out(json(result));
        return io.out(`replayed ${id} as job ${String(pick(result, 'job_id'))}`);
      }
      const filter = { replayed: false, ...filterOf(options) };
      const limit = numberOption(options, 'limit', 100);
      const run = (after: string | undefined) =>
        replays.replayMatching(filter, limit, isDryRun, after);
      // Each run as it ends: a long walk shows its progress, and a run cut later keeps it.
      const answers = untilDone
        ? await replayUntilDone(run, first, (answer, runs) =>
            io.out(connection.json ? JSON.stringify(answer) : `run ${runs}: ${text(answer)}`),
          )
        : [await run(first)];
      const last = answers.at(-1);
      // Stopped early: some letters were not tried; exit 1 so a script runs it again.
      if (typeof pick(last, 'stopped') === 'string') io.setExitCode(EXIT.failed);
      if (untilDone) {
        if (!connection.json) io.out(`all ${answers.length} runs: ${text(totalOf(answers))}`);
        return;
      }
      if (connection.json) return io.out(json(last));
      const cursor = pick(last, 'next_cursor');
      io.out(text(last) + (typeof cursor === 'string' ? `; go on: --after ${cursor}` : ''));

      function text(answer: unknown): string {
        const counts = bulkReplayCounts(answer, isDryRun);
        return isDryRun ? `dry run: ${counts} (nothing was submitted)` : counts;
      }
    });

  dlq
    .command('purge')
    .description('delete dead letters older than a duration')
    .requiredOption('--older-than <duration>', 'e.g. 720h')
    .action(async (options: OptionValues, command: Command) => {
      const connection = await dlqConnectionOf(command.optsWithGlobals(), io, backends);
      const olderThan = stringOption(options, 'olderThan') ?? '';
      const result = await withDlq(connection, backends, (backend) => backend.purge(olderThan));
      if (connection.json) return io.out(json(result));
      io.out(`deleted ${String(pick(result, 'deleted_count'))} entries older than ${olderThan}`);
    });

  dlq
    .command('delete')
    .description('delete one dead letter')
    .argument('<id>', 'dead letter id (a UUID)', uuidArgument)
    .action(async (id: string, _options: OptionValues, command: Command) => {
      const connection = await dlqConnectionOf(command.optsWithGlobals(), io, backends);
      await withDlq(connection, backends, (backend) => backend.remove(id));
      io.out(connection.json ? json({ deleted: id }) : `deleted ${id}`);
    });

  dlq
    .command('stats')
    .description('totals by error type, target and priority')
    .action(async (_options: OptionValues, command: Command) => {
      const connection = await dlqConnectionOf(command.optsWithGlobals(), io, backends);
      const stats = await withDlq(connection, backends, (backend) => backend.stats());
      if (connection.json) return io.out(json(stats));
      io.out(renderFields(stats, ['total', 'replayed', 'oldest_failed_at', 'newest_failed_at']));
      for (const key of ['by_error_type', 'by_target', 'by_priority']) {
        io.out(`\n${renderCounts(key.slice(3), pick(stats, key))}`);
      }
    });

  return dlq;
}
