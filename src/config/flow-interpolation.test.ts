import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { problemsOf } from '../../test/support/config-problems.js';

const HINT = (line: number, reference: string): string =>
  `: line ${line}: ${reference} inside { } or [ ] is read as YAML, not as a reference: ` +
  `write that key in block style, on its own line, or quote it where a string is expected: "${reference}"`;

describe('a ${VAR} unquoted in a YAML flow collection', () => {
  it('adds, after the parser’s errors, the line and what to write instead', () => {
    const problems = problemsOf('log: { level: info }\nserver: {port: ${P:-9999}}\n');
    assert.ok(problems.length > 1, problems.join('\n'));
    assert.match(problems[0] ?? '', /^: YAML syntax error: line 2/);
    assert.equal(problems.at(-1), HINT(2, '${P:-9999}'));
  });

  it('names every such reference, in a sequence too', () => {
    const problems = problemsOf(
      'targets: [{name: a, type: webhook, url: ${U}, headers: {X: ${H}}}]',
    );
    assert.deepEqual(problems.slice(-2), [HINT(1, '${U}'), HINT(1, '${H}')]);
  });

  it('says nothing of references that are quoted or in block style', () => {
    const problems = problemsOf('server: {port: "${P}", }\nlog:\n  level: ${L}\n  x: [}\n');
    assert.ok(problems.length > 0);
    assert.ok(
      problems.every((problem) => !problem.includes('is read as YAML')),
      problems.join('\n'),
    );
  });

  it('is not added when the file parses', () => {
    assert.ok(
      problemsOf('server:\n  port: ${P:-99999}\n').every((p) => !p.includes('is read as YAML')),
    );
  });
});
