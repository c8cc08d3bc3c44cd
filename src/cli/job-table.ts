import { pick, renderTable } from './output.js';

/**
 * `jobs list` as a table. REASON is why the job failed or waits for a retry: a succeeded job
 * shows none, though its last failed attempt (a 429 before the 200) is still its `last_error`
 * (`jobs show` and the attempts list it).
 */
export function renderJobTable(rows: readonly unknown[]): string {
  const shown = rows.map((row) =>
    pick(row, 'state') === 'succeeded' ? { ...asObject(row), last_error: null } : row,
  );
  return renderTable(shown, [
    { header: 'id', path: 'id' },
    { header: 'state', path: 'state' },
    { header: 'target', path: 'target' },
    { header: 'priority', path: 'priority' },
    { header: 'alertname', path: 'alertname' },
    { header: 'attempts', path: 'attempts' },
    { header: 'updated_at', path: 'updated_at' },
    { header: 'reason', path: 'last_error.reason' },
  ]);
}

function asObject(row: unknown): object {
  return typeof row === 'object' && row !== null ? row : {};
}
