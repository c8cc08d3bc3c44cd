/** Plain-text rendering for the CLI: aligned tables by default, JSON with --json. */

export interface Column {
  header: string;
  /** Dotted path into the row ("enriched_alert.alert.labels.alertname"). */
  path: string;
}

export function pick(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    const next: unknown = Reflect.get(current, key);
    current = next;
  }
  return current;
}

export function cell(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function renderTable(rows: readonly unknown[], columns: readonly Column[]): string {
  const cells = rows.map((row) => columns.map((column) => cell(pick(row, column.path))));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => (line[index] ?? '').length)),
  );
  const format = (line: readonly string[]): string =>
    line
      .map((text, index) => text.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return [format(columns.map((column) => column.header.toUpperCase())), ...cells.map(format)].join(
    '\n',
  );
}

/** Two columns: key and value, for one object's scalar fields. */
export function renderFields(value: unknown, keys?: readonly string[]): string {
  if (typeof value !== 'object' || value === null) return cell(value);
  const names = keys ?? Object.keys(value);
  const width = Math.max(0, ...names.map((name) => name.length));
  return names.map((name) => `${name.padEnd(width)}  ${cell(pick(value, name))}`).join('\n');
}

/** A `{name: count}` map as a table, largest first. */
export function renderCounts(title: string, counts: unknown): string {
  if (typeof counts !== 'object' || counts === null) return `${title}: -`;
  const rows = Object.entries(counts)
    .map(([name, count]) => ({ name, count: cell(count) }))
    .sort((a, b) => Number(b.count) - Number(a.count));
  if (rows.length === 0) return `${title}: none`;
  return renderTable(rows, [
    { header: title, path: 'name' },
    { header: 'count', path: 'count' },
  ]);
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
