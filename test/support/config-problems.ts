import assert from 'node:assert/strict';

import { ConfigError } from '../../src/config/config-error.js';
import type { ConfigProblem } from '../../src/config/config-error.js';
import { parseConfig } from '../../src/config/load-config.js';

/** The source name config tests parse their text under. */
export const source = 'test.yaml';

/** The problems `parseConfig` lists for `text`, as `path: message`; fails if it accepts it. */
export function problemsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, { env, source });
  } catch (error: unknown) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems.map((p: ConfigProblem) => `${p.path}: ${p.message}`);
  }
  assert.fail('expected the configuration to be refused');
}
