import { bulkReplayStopText } from '../domain/bulk-replay-stop.js';
import { pick } from './output.js';

/*
 * `dlq replay --all` (docs/cli.md): one bulk replay answer in words, and `--until-done`, runs
 * one after another, each resuming where the previous one ended (its `next_cursor`, docs/api.md
 * "Bulk replay"). Answers are the API's wire shape; fields an older server does not send are
 * left out.
 */

/** Resumes after `after` (a previous answer's `next_cursor`), or from the oldest when undefined. */
export type ReplayRun = (after: string | undefined) => Promise<unknown>;

/**
 * Runs bulk replays until no more letters may match, or one stops early for a reason other
 * than `examined_limit` (queue full, the server stopping, the database gone: running on would
 * meet it again), or an answer carries no cursor to go on from (an older server). `onAnswer`
 * hears each answer as it comes; returns them all, in order.
 */
export async function replayUntilDone(
  run: ReplayRun,
  first: string | undefined,
  onAnswer: (answer: unknown, runs: number) => void,
): Promise<unknown[]> {
  const answers: unknown[] = [];
  let after = first;
  for (;;) {
    const answer = await run(after);
    answers.push(answer);
    onAnswer(answer, answers.length);
    const next = pick(answer, 'next_cursor');
    const stopped = pick(answer, 'stopped');
    const isCut = typeof stopped === 'string' && stopped !== 'examined_limit';
    if (isCut || pick(answer, 'more_may_match') !== true) return answers;
    if (typeof next !== 'string' || next === after) return answers;
    after = next;
  }
}

const COUNTS = [
  'matched',
  'replayed',
  'would_replay',
  'skipped_superseded',
  'skipped_target_not_configured',
  'skipped_target_failing',
] as const;
const LISTS = ['targets_not_configured', 'targets_failing'] as const;

/**
 * The answers of `replayUntilDone` as one: counts summed, target lists merged, job ids in
 * order, and how the last run ended (`stopped`, `more_may_match`, `next_cursor`).
 */
export function totalOf(answers: readonly unknown[]): Record<string, unknown> {
  const last = answers.at(-1);
  const total: Record<string, unknown> = {};
  for (const field of COUNTS) {
    const values = answers.map((answer) => pick(answer, field));
    if (values.some((value) => typeof value === 'number')) {
      total[field] = values.reduce<number>((sum, v) => sum + (typeof v === 'number' ? v : 0), 0);
    }
  }
  for (const field of LISTS) {
    const names = answers.flatMap((answer) => {
      const list = pick(answer, field);
      return Array.isArray(list) ? list.filter((name) => typeof name === 'string') : [];
    });
    if (answers.some((answer) => Array.isArray(pick(answer, field)))) {
      total[field] = [...new Set(names)].sort();
    }
  }
  total['job_ids'] = answers.flatMap((answer) => {
    const ids = pick(answer, 'job_ids');
    return Array.isArray(ids) ? ids.filter((jobId) => typeof jobId === 'string') : [];
  });
  for (const field of ['stopped', 'more_may_match', 'next_cursor']) {
    const value = pick(last, field);
    if (value !== undefined) total[field] = value;
  }
  return total;
}

/** `" (pager, old-hook)"` from a list of target names in `field`, or '' when there is none. */
function namedTargets(result: unknown, field: string): string {
  const names = pick(result, field);
  return Array.isArray(names) && names.length > 0 ? ` (${names.join(', ')})` : '';
}

/**
 * One line accounting for every matched letter of a bulk replay: replayed (a dry run: would
 * replay), skipped (superseded; target not configured, target failing, naming the targets)
 * and, after a real run, the rest: not tried because the run stopped early (`stopped`), or
 * taken by a concurrent replay or delete; then whether more letters match than the run reached.
 * Fields an older server does not send are left out.
 */
export function bulkReplayCounts(result: unknown, isDryRun: boolean): string {
  const count = (field: string): number | undefined => {
    const value = pick(result, field);
    return typeof value === 'number' ? value : undefined;
  };
  const matched = count('matched') ?? 0;
  const replayed = count('replayed') ?? 0;
  const wouldReplay = count('would_replay');
  const superseded = count('skipped_superseded') ?? 0;
  const targetGone = count('skipped_target_not_configured');
  const targetFailing = count('skipped_target_failing');
  const parts = [
    `matched ${matched}`,
    wouldReplay === undefined ? `replayed ${replayed}` : `would replay ${wouldReplay}`,
    `skipped as superseded ${superseded}`,
  ];
  if (targetGone !== undefined) {
    const named = namedTargets(result, 'targets_not_configured');
    parts.push(`skipped as target not configured ${targetGone}${named}`);
  }
  if (targetFailing !== undefined) {
    const named = namedTargets(result, 'targets_failing');
    parts.push(`skipped as target failing ${targetFailing}${named}`);
  }
  if (targetGone !== undefined && !isDryRun) {
    const rest = matched - replayed - superseded - targetGone - (targetFailing ?? 0);
    const stopped = pick(result, 'stopped');
    if (stopped === 'examined_limit') {
      // Every letter it examined is accounted for above; more lie behind (its next_cursor).
      if (rest > 0) parts.push(`not replayed ${rest} (replayed or deleted meanwhile)`);
      parts.push(`stopped early, ${bulkReplayStopText(stopped)}`);
    } else if (typeof stopped === 'string') {
      const why = bulkReplayStopText(stopped);
      parts.push(`not replayed ${rest}: stopped early, ${why} (run it again)`);
    } else if (rest > 0) {
      // An older server sends no `stopped`: the rest may also be a queue that filled.
      const meanwhile = stopped === null ? '' : 'queue full, or ';
      parts.push(`not replayed ${rest} (${meanwhile}replayed or deleted meanwhile)`);
    }
  }
  // Set when the run ended at its limit (or stopped) before the last matching letter.
  if (pick(result, 'more_may_match') === true && typeof pick(result, 'stopped') !== 'string') {
    parts.push(
      isDryRun ? 'more letters match than one run reaches' : 'more letters match: run it again',
    );
  }
  return parts.join(', ');
}
