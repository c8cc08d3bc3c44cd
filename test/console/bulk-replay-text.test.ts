import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { bulkOutcomeText, bulkPreviewText } from '../../ui/src/bulk-replay-text.js';
import type { BulkReplay } from '../../ui/src/schemas.js';

function aBulkReplay(overrides: Partial<BulkReplay> = {}): BulkReplay {
  return {
    matched: 0,
    replayed: 0,
    job_ids: [],
    dry_run: false,
    skipped_superseded: 0,
    skipped_target_not_configured: 0,
    targets_not_configured: [],
    skipped_target_failing: 0,
    targets_failing: [],
    stopped: null,
    ...overrides,
  };
}

describe('the console bulk replay texts', () => {
  it('a dry run counts what would be replayed, not what matched, and names failing targets', () => {
    const preview = bulkPreviewText(
      aBulkReplay({
        dry_run: true,
        matched: 6,
        would_replay: 3,
        skipped_superseded: 1,
        skipped_target_failing: 2,
        targets_failing: ['chat', 'pager'],
      }),
    );
    assert.deepEqual(preview, {
      wouldReplay: 3,
      text: '3 letters would be replayed, 1 skipped as superseded, 2 skipped: target failing (chat, pager).',
    });
  });

  it('a dry run where every matched letter would be skipped offers nothing to replay', () => {
    const preview = bulkPreviewText(
      aBulkReplay({
        dry_run: true,
        matched: 2,
        would_replay: 0,
        skipped_target_failing: 2,
        targets_failing: ['pager'],
      }),
    );
    assert.deepEqual(preview, {
      wouldReplay: 0,
      text: 'Nothing to replay: 2 letters matched, 0 skipped as superseded, 2 skipped: target failing (pager).',
    });
  });

  it('a run that stopped early says why and that the rest were not tried', () => {
    assert.equal(
      bulkOutcomeText(aBulkReplay({ matched: 300, replayed: 59, stopped: 'database_unavailable' })),
      'Replayed 59 of 300 letters. Stopped early: the database became unavailable; ' +
        'the rest were not tried, replay again later.',
    );
    assert.equal(
      bulkOutcomeText(aBulkReplay({ matched: 3, replayed: 3 })),
      'Replayed 3 of 3 letters.',
    );
  });

  it('a run that ended at its limit with more letters behind says to run it again', () => {
    assert.equal(
      bulkOutcomeText(
        aBulkReplay({
          matched: 1760,
          replayed: 1000,
          skipped_superseded: 760,
          more_may_match: true,
        }),
      ),
      'Replayed 1,000 of 1,760 letters, 760 skipped as superseded. More letters match: run again.',
    );
    assert.equal(
      bulkPreviewText(
        aBulkReplay({ dry_run: true, matched: 1200, would_replay: 1000, more_may_match: true }),
      ).text,
      '1,000 letters would be replayed, 0 skipped as superseded. More letters match: run again.',
    );
  });
});
