import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BIN, run } from '../support/run-bin.js';

/** `config check` as users run it: a wrong-typed secret is named by its type, never printed. */
describe('config check on a secret YAML reads as a number', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ap-check-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('exits 2 naming each key, its type and the reference to quote, without the values', async () => {
    const PDK = '12345678901234567890123456789012';
    const APIK = '839201938475';
    const file = join(dir, 'digits.yaml');
    await writeFile(
      file,
      [
        'targets:',
        '  - name: oncall',
        '    type: pagerduty',
        '    routing_key: ${PDK}',
        '  - name: hook',
        '    type: webhook',
        '    url: http://127.0.0.1/',
        '    headers:',
        '      X-Api-Key: ${APIK}',
        '',
      ].join('\n'),
    );
    const checked = await run([BIN, 'config', 'check', '--config', file], { PDK, APIK });
    assert.equal(checked.code, 2, checked.stderr);
    assert.match(
      checked.stderr,
      /targets\[0\]\.routing_key: expected string, got number: quote it: "\$\{PDK\}"/,
    );
    assert.match(
      checked.stderr,
      /targets\[1\]\.headers\.X-Api-Key: expected string, got number: quote it: "\$\{APIK\}"/,
    );
    assert.doesNotMatch(checked.stdout + checked.stderr, /839201938475|e\+31|1\.23/);
  });
});
