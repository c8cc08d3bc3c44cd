import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { problemsOf, source } from '../../test/support/config-problems.js';
import { parseConfig } from './load-config.js';

const EMPTY = 'must not be empty (it would guard nothing): remove the key to run without a token';

describe('auth tokens', () => {
  it('refuses an empty token, from a variable set but empty or written as "", naming the key', () => {
    assert.deepEqual(
      problemsOf('auth:\n  api_token: ${TOK}\n  read_token: ""\n  webhook_token: "${HOOK}"\n', {
        TOK: '',
        HOOK: '',
      }),
      [`auth.api_token: ${EMPTY}`, `auth.read_token: ${EMPTY}`, `auth.webhook_token: ${EMPTY}`],
    );
  });

  it('runs without a token when the key is absent, and with one when it is set', () => {
    const none = parseConfig('auth: {}\n', { env: {}, source });
    assert.deepEqual(none.auth, { api_token: '', read_token: '', webhook_token: '' });
    const set = parseConfig('auth:\n  api_token: ${TOK}\n', { env: { TOK: 's3cret' }, source });
    assert.equal(set.auth.api_token, 's3cret');
  });

  it('leaves an empty ALERT_PUBLISHER_API_TOKEN unapplied, as every override', () => {
    const config = parseConfig('', { env: { ALERT_PUBLISHER_API_TOKEN: '' }, source });
    assert.equal(config.auth.api_token, '');
  });
});
