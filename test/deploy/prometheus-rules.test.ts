import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { runTool, toolSkip } from '../support/tools.js';

/** deploy/prometheus: the alert rules pass promtool's check and their unit tests. */
const DIR = join(import.meta.dirname, '..', '..', 'deploy', 'prometheus');

describe('the Prometheus alert rules', { skip: toolSkip('promtool', 'prometheus') }, () => {
  it('pass promtool check rules', () => {
    const run = runTool('promtool', ['check', 'rules', 'alert-publisher-rules.yml'], DIR);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /SUCCESS: 12 rules found/);
  });

  it('pass their unit tests (promtool test rules)', () => {
    const run = runTool('promtool', ['test', 'rules', 'alert-publisher-rules.test.yml'], DIR);
    assert.equal(run.status, 0, run.output);
  });
});
