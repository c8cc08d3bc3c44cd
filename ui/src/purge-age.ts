import { PURGE_AGE_MAX_LENGTH, purgeAgeOf } from '../../src/dlq/purge-age.js';

/**
 * Why the purge field's text would be refused, or undefined: the API's own check
 * (src/dlq/purge-age.ts, and the length its query schema allows), so the field takes exactly
 * what `DELETE …/dlq/purge?older_than=` takes; 0 is refused there.
 */
export function purgeAgeProblem(text: string): string | undefined {
  if (text.length > PURGE_AGE_MAX_LENGTH)
    return `must be at most ${PURGE_AGE_MAX_LENGTH} characters`;
  const age = purgeAgeOf(text);
  return 'problem' in age ? age.problem : undefined;
}
