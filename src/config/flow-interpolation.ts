/**
 * A `${VAR}` written unquoted inside a YAML flow collection (`server: {port: ${PORT}}`) is
 * not a value to YAML: its braces open a mapping, and the parser reports several errors about
 * tokens that name neither the reference nor the fix. Interpolation runs on the parsed values
 * (docs/configuration.md), so such a reference goes in block style (the key on its own line),
 * or quoted where a string is expected (quoted, a number stays a string).
 */

/** `${…}` not directly after a quote. */
const UNQUOTED_REFERENCE = /(^|[^"'])(\$\{[^}]*\})/g;

/**
 * Where a YAML syntax error is likely the unquoted reference: each line holding one after a
 * `{` or `[` of a flow collection, and what to write instead.
 */
export function unquotedFlowReferences(text: string): string[] {
  const hints: string[] = [];
  text.split('\n').forEach((line, index) => {
    for (const match of line.matchAll(UNQUOTED_REFERENCE)) {
      const reference = match[2] ?? '';
      const at = (match.index ?? 0) + (match[1] ?? '').length;
      if (!/[[{]/.test(line.slice(0, at))) continue;
      hints.push(
        `line ${index + 1}: ${reference} inside { } or [ ] is read as YAML, not as a reference: ` +
          `write that key in block style, on its own line, or quote it where a string is expected: "${reference}"`,
      );
    }
  });
  return hints;
}
