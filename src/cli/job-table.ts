import { cell, pick, renderTable } from './output.js';

/**
 * `jobs list` as a table. REASON is why the job failed or waits for a retry: a succeeded job
 * shows none, though its last failed attempt (a 429 before the 200) is still its `last_error`
 * (`jobs show` and the attempts list it); a job waiting for its down target past its retries
 * says so after its reason (`jobs show` gives its dead_letter_after).
 */
export function renderJobTable(rows: readonly unknown[]): string {
  const shown = rows.map((row) => ({ ...asObject(row), reason: reasonOf(row) }));
  return renderTable(shown, [
    { header: 'id', path: 'id' },
    { header: 'state', path: 'state' },
    { header: 'target', path: 'target' },
    { header: 'priority', path: 'priority' },
    { header: 'alertname', path: 'alertname' },
    { header: 'attempts', path: 'attempts' },
    { header: 'updated_at', path: 'updated_at' },
    { header: 'reason', path: 'reason' },
  ]);
}

function reasonOf(row: unknown): unknown {
  if (pick(row, 'state') === 'succeeded') return null;
  const reason = pick(row, 'last_error.reason');
  return pick(row, 'waiting_for_target') === true ? `${cell(reason)} (waiting for target)` : reason;
}

function asObject(row: unknown): object {
  return typeof row === 'object' && row !== null ? row : {};
}
