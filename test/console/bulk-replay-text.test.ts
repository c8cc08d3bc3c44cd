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

  it('a run that stopped early says why, and continues from its cursor or replays again later', () => {
    const stopped = {
      matched: 300,
      replayed: 59,
      stopped: 'database_unavailable',
      more_may_match: true,
    };
    assert.equal(
      bulkOutcomeText(aBulkReplay({ ...stopped, next_cursor: 'c' })),
      'Replayed 59 of 300 letters. Stopped early: the database became unavailable. ' +
        'More letters may match: continue to replay the next ones.',
    );
    assert.equal(
      bulkOutcomeText(aBulkReplay({ ...stopped, next_cursor: null })),
      'Replayed 59 of 300 letters. Stopped early: the database became unavailable. ' +
        'The rest were not tried: replay again later.',
    );
    assert.equal(
      bulkOutcomeText(aBulkReplay({ matched: 3, replayed: 3 })),
      'Replayed 3 of 3 letters.',
    );
  });

  it('a run that ended at its limit says to continue when it has a cursor, else to run again', () => {
    const atLimit = {
      matched: 1760,
      replayed: 1000,
      skipped_superseded: 760,
      more_may_match: true,
    };
    assert.equal(
      bulkOutcomeText(aBulkReplay({ ...atLimit, next_cursor: 'c' })),
      'Replayed 1,000 of 1,760 letters, 760 skipped as superseded. ' +
        'More letters may match: continue to replay the next ones.',
    );
    assert.equal(
      bulkOutcomeText(aBulkReplay({ ...atLimit, next_cursor: null })),
      'Replayed 1,000 of 1,760 letters, 760 skipped as superseded. More letters match: run again.',
    );
    assert.equal(
      bulkPreviewText(
        aBulkReplay({
          dry_run: true,
          matched: 1200,
          would_replay: 1000,
          more_may_match: true,
          next_cursor: 'c',
        }),
      ).text,
      '1,000 letters would be replayed, 0 skipped as superseded. ' +
        'More letters may match: continue after this run to replay the next ones.',
    );
  });

  it('a dry run that examined its most letters without one to replay says to continue', () => {
    const preview = bulkPreviewText(
      aBulkReplay({
        dry_run: true,
        matched: 10000,
        would_replay: 0,
        skipped_target_not_configured: 10000,
        targets_not_configured: ['gone'],
        stopped: 'examined_limit',
        more_may_match: true,
        next_cursor: 'c',
      }),
    );
    assert.equal(
      preview.text,
      'Nothing to replay: 10,000 letters matched, 0 skipped as superseded, ' +
        '10,000 skipped: target not configured (gone). Stopped early: it examined the most ' +
        'letters one run may. More letters may match: continue to replay the next ones.',
    );
  });
});
