/**
 * Splits a migration file into statements at top-level semicolons, skipping `--` and
 * `/* *\/` comments, quoted strings/identifiers and dollar-quoted bodies. Needed because
 * PGlite's `query` takes one statement; the port has no multi-statement `exec`.
 */
export function splitSql(text: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    if (rest.startsWith('--')) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
    } else if (rest.startsWith('/*')) {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else if (rest[0] === "'" || rest[0] === '"') {
      i = skipQuoted(text, i, rest[0]);
    } else if (rest[0] === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(rest)?.[0];
      if (tag === undefined) {
        i += 1;
      } else {
        const end = text.indexOf(tag, i + tag.length);
        i = end === -1 ? text.length : end + tag.length;
      }
    } else if (rest[0] === ';') {
      push(statements, text.slice(start, i));
      i += 1;
      start = i;
    } else {
      i += 1;
    }
  }
  push(statements, text.slice(start));
  return statements;
}

/** Index after the closing quote; a doubled quote is an escaped one. */
function skipQuoted(text: string, from: number, quote: string): number {
  let i = from + 1;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return i;
}

function push(statements: string[], chunk: string): void {
  const withoutComments = chunk.replace(/--[^\n]*/g, '').trim();
  if (withoutComments.length > 0) statements.push(chunk.trim());
}
