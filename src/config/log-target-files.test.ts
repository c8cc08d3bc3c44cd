import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { parseConfig } from './load-config.js';
import { logTargetFileProblems } from './log-target-files.js';

const dir = mkdtempSync(join(tmpdir(), 'ap-log-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(targets: string[]): string[] {
  const config = parseConfig(['targets:', ...targets].join('\n'), { env: {}, source: 't.yaml' });
  return logTargetFileProblems(config.targets).map((p) => `${p.path}: ${p.message}`);
}

describe('logTargetFileProblems', () => {
  it('names the path of a log target whose directory does not exist, with the reason', () => {
    const missing = join(dir, 'no-such-dir', 'alerts.log');
    assert.deepEqual(
      problemsOf([
        '  - { name: out, type: log }',
        `  - { name: file, type: log, path: "${missing}" }`,
      ]),
      [
        `targets[1].path: cannot be opened for appending: ENOENT: no such file or directory, open '${missing}'`,
      ],
    );
  });

  it('names a path that is a directory', () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    assert.deepEqual(problemsOf([`  - { name: file, type: log, path: "${folder}" }`]), [
      `targets[0].path: cannot be opened for appending: EISDIR: illegal operation on a directory, open '${folder}'`,
    ]);
  });

  it('accepts a file in an existing directory, creating it as the first delivery would', () => {
    const file = join(dir, 'alerts.log');
    assert.deepEqual(problemsOf([`  - { name: file, type: log, path: "${file}" }`]), []);
    assert.equal(existsSync(file), true);
  });

  it('leaves stdout and disabled targets alone', () => {
    const missing = join(dir, 'no-such-dir', 'alerts.log');
    assert.deepEqual(
      problemsOf([
        '  - { name: out, type: log, path: stdout }',
        `  - { name: off, type: log, enabled: false, path: "${missing}" }`,
      ]),
      [],
    );
    assert.equal(existsSync(join(dir, 'no-such-dir')), false);
  });
});
