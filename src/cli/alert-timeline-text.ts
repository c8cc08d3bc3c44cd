import { endedAttempts } from '../domain/job.js';
import { cell, pick } from './output.js';

/**
 * An alert timeline (GET …/alerts/{fingerprint}, docs/api.md) as a tree per target: its jobs
 * in order, each with its attempts and its dead letter (and that letter's replay); letters
 * whose job is no longer held stand on their own. Reads the answer loosely, like every CLI
 * rendering: a field the server did not send shows as "-".
 */

interface Node {
  text: string;
  children: Node[];
}

function items(value: unknown, path: string): unknown[] {
  const found = pick(value, path);
  return Array.isArray(found) ? found : [];
}

function text(value: unknown, path: string): string | undefined {
  const found = pick(value, path);
  if (found === undefined || found === null) return undefined;
  return cell(found);
}

function attemptNode(attempt: unknown): Node {
  const status = text(attempt, 'http_status');
  const reason = text(attempt, 'reason');
  const parts = [text(attempt, 'at') ?? '-'];
  if (status !== undefined) parts.push(`HTTP ${status}`);
  if (reason !== undefined) parts.push(reason);
  parts.push(`${text(attempt, 'duration_ms') ?? '-'} ms`);
  const message = text(attempt, 'message');
  // A status says what happened; without one the message names the network error.
  const detail = status === undefined && message !== undefined ? `: ${message}` : '';
  return { text: `${parts.join(' ')}${detail}`, children: [] };
}

function attemptNodes(attempts: unknown[], count: number): Node[] {
  const nodes = attempts.map(attemptNode);
  const dropped = count - attempts.length;
  if (dropped > 0) nodes.unshift({ text: `(${dropped} earlier attempts not kept)`, children: [] });
  return nodes;
}

function letterText(letter: unknown): string {
  const parts = [`dead letter ${text(letter, 'id') ?? '-'} ${text(letter, 'error_reason') ?? '-'}`];
  const status = text(letter, 'http_status');
  if (status !== undefined) parts.push(`HTTP ${status}`);
  parts.push(`failed ${text(letter, 'failed_at') ?? '-'}`);
  if (pick(letter, 'possibly_delivered') === true) parts.push('possibly delivered');
  if (pick(letter, 'superseded') === true) parts.push('superseded');
  const replayJob = text(letter, 'replay_job_id');
  const replay =
    pick(letter, 'replayed') !== true
      ? 'not replayed'
      : replayJob === undefined
        ? 'replay claimed'
        : `replayed as job ${replayJob}: ${text(letter, 'replay_result') ?? '-'}`;
  return `${parts.join(', ')}; ${replay}`;
}

function jobNode(job: unknown, letters: unknown[]): Node {
  const supersededBy = text(job, 'superseded_by');
  const parts = [
    `job ${text(job, 'id') ?? '-'} ${text(job, 'alert_status') ?? '-'} ${text(job, 'state') ?? '-'}${supersededBy === undefined ? '' : ` by ${supersededBy}`}`,
  ];
  const replayOf = text(job, 'replay_of');
  if (replayOf !== undefined) parts.push(`replay of letter ${replayOf}`);
  parts.push(`submitted ${text(job, 'submitted_at') ?? '-'}`);
  const completed = text(job, 'completed_at');
  const next = text(job, 'next_attempt_at');
  if (completed !== undefined) parts.push(`completed ${completed}`);
  else if (next !== undefined) parts.push(`next attempt ${next}`);
  if (pick(job, 'waiting_for_target') === true) {
    parts.push(`waiting for target, dead letter after ${text(job, 'dead_letter_after') ?? '-'}`);
  }
  const startsAt = text(job, 'alert_starts_at');
  if (startsAt !== undefined) parts.push(`alert starts ${startsAt}`);
  const count = Number(pick(job, 'attempts'));
  const ended = endedAttempts({
    attempts: Number.isNaN(count) ? 0 : count,
    state: text(job, 'state'),
  });
  return {
    text: parts.join('  '),
    children: [
      ...attemptNodes(items(job, 'attempt_history'), ended),
      ...letters.map((letter) => ({ text: letterText(letter), children: [] })),
    ],
  };
}

function targetLines(target: unknown): string[] {
  const newest = pick(target, 'newest_state');
  const head =
    newest === null || newest === undefined
      ? 'newest: unknown'
      : `newest: ${text(newest, 'status') ?? '-'} (starts ${text(newest, 'starts_at') ?? '-'}, job ${text(newest, 'job_id') ?? '-'})`;
  const jobs = items(target, 'jobs');
  const letters = items(target, 'dead_letters');
  const held = new Set(jobs.map((job) => text(job, 'id')));
  const nodes: Node[] = jobs.map((job) =>
    jobNode(
      job,
      letters.filter((letter) => text(letter, 'job_id') === text(job, 'id')),
    ),
  );
  const shown = new Set(held);
  for (const letter of letters) {
    if (held.has(text(letter, 'job_id'))) continue;
    shown.add(text(letter, 'job_id'));
    nodes.push({
      text: `${letterText(letter)} (of job ${text(letter, 'job_id') ?? '-'}, not held)`,
      children: attemptNodes(items(letter, 'attempts'), 0),
    });
  }
  const missing = items(target, 'missing_jobs')
    .map(cell)
    .filter((id) => !shown.has(id));
  if (missing.length > 0)
    nodes.push({ text: `jobs not held: ${missing.join(', ')}`, children: [] });
  return [`${text(target, 'target') ?? '-'}  ${head}`, ...render(nodes, '')];
}

function render(nodes: readonly Node[], prefix: string): string[] {
  return nodes.flatMap((node, index) => {
    const last = index === nodes.length - 1;
    return [
      `${prefix}${last ? '└─ ' : '├─ '}${node.text}`,
      ...render(node.children, `${prefix}${last ? '   ' : '│  '}`),
    ];
  });
}

export function renderTimeline(timeline: unknown): string {
  const labels = pick(timeline, 'labels');
  const labelText =
    typeof labels === 'object' && labels !== null
      ? Object.entries(labels)
          .map(([key, value]) => `${key}=${cell(value)}`)
          .join(' ')
      : 'not recorded yet';
  const complete = pick(timeline, 'complete') === true;
  const lines = [
    `${text(timeline, 'alertname') ?? '-'} ${text(timeline, 'fingerprint') ?? '-'}`,
    `labels: ${labelText}`,
    `jobs from ${text(timeline, 'jobs_from') ?? '-'}${complete ? '' : '; incomplete: some jobs are no longer held (a restart in memory mode, eviction or retention) or limits cut the list'}`,
  ];
  for (const target of items(timeline, 'targets')) lines.push('', ...targetLines(target));
  return lines.join('\n');
}
