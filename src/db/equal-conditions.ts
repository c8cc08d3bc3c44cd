/**
 * `column = $n` for each given value (an undefined one is left out), its value appended to
 * `params`: the equality filters of a list query, as parameters, never as SQL text.
 */
export function equalConditions(
  pairs: ReadonlyArray<readonly [column: string, value: string | undefined]>,
  params: unknown[],
): string[] {
  const conditions: string[] = [];
  for (const [column, value] of pairs) {
    if (value === undefined) continue;
    params.push(value);
    conditions.push(`${column} = $${params.length}`);
  }
  return conditions;
}
