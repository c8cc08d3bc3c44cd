import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { alertnameText, timeFilterOf, visibleText } from '../../ui/src/format.js';

describe('console text of alert values', () => {
  it('writes bidi controls out, so a right-to-left override cannot reverse what follows', () => {
    assert.equal(visibleText('invoice\u202Egnp.exe'), 'invoice\\u202Egnp.exe');
    assert.equal(visibleText('a\u2066b\u2069\u200Fc'), 'a\\u2066b\\u2069\\u200Fc');
    assert.equal(visibleText('DiskFull — ديسك'), 'DiskFull — ديسك');
  });

  it('shows an alertname with its bidi controls written out, and an empty one as (no alertname)', () => {
    assert.equal(alertnameText('DiskFull\u202E'), 'DiskFull\\u202E');
    assert.equal(alertnameText(''), '(no alertname)');
  });
});

describe('console time filters', () => {
  it('sends a time from the URL back as written while its input still shows it', () => {
    assert.equal(
      timeFilterOf('2026-12-07T17:58:40', '2026-12-07T17:58:40Z'),
      '2026-12-07T17:58:40Z',
    );
    assert.equal(
      timeFilterOf('2026-12-07T17:58:40', '2026-12-07T17:58:40.250Z'),
      '2026-12-07T17:58:40.250Z',
    );
  });

  it('sends a changed time with its seconds', () => {
    assert.equal(
      timeFilterOf('2026-12-07T17:58:41', '2026-12-07T17:58:40Z'),
      '2026-12-07T17:58:41.000Z',
    );
    assert.equal(timeFilterOf('2026-12-07T17:58', undefined), '2026-12-07T17:58:00.000Z');
  });
});
