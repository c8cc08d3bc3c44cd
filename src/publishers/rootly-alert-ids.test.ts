import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';

import { forEachDatabase } from '../../test/support/databases.js';
import { createDbRootlyAlertIds, createMemoryRootlyAlertIds } from './rootly-alert-ids.js';
import type { RootlyAlertIds } from './rootly-alert-ids.js';

/**
 * The same behaviour on PostgreSQL (a fresh database for this file) and PGlite, both with the
 * real adapters and migrations (0002 creates rootly_alerts), and on the in-memory variant.
 */
function behaves(ids: () => RootlyAlertIds): void {
  it('returns nothing for an unknown fingerprint', async () => {
    assert.equal(await ids().get('incidents', 'aaaa000000000000'), undefined);
  });

  it('stores, replaces and deletes an id per (target, fingerprint)', async () => {
    await ids().set('incidents', 'bbbb000000000000', 'r-1');
    await ids().set('other', 'bbbb000000000000', 'r-2');
    assert.equal(await ids().get('incidents', 'bbbb000000000000'), 'r-1');
    assert.equal(await ids().get('other', 'bbbb000000000000'), 'r-2');
    await ids().set('incidents', 'bbbb000000000000', 'r-3');
    assert.equal(await ids().get('incidents', 'bbbb000000000000'), 'r-3');
    await ids().delete('incidents', 'bbbb000000000000');
    assert.equal(await ids().get('incidents', 'bbbb000000000000'), undefined);
    assert.equal(await ids().get('other', 'bbbb000000000000'), 'r-2');
  });

  it('deleting what is not there is not an error', async () => {
    await ids().delete('incidents', 'cccc000000000000');
    assert.equal(await ids().get('incidents', 'cccc000000000000'), undefined);
  });
}

forEachDatabase('RootlyAlertIds', (ctx) => {
  let ids: RootlyAlertIds;
  beforeEach(async () => {
    await ctx.db().query('TRUNCATE rootly_alerts');
    ids = createDbRootlyAlertIds(ctx.db());
  });
  behaves(() => ids);

  it('an id stored through one connection is found through a new one (survives a restart)', async () => {
    await createDbRootlyAlertIds(ctx.db()).set('incidents', 'dddd000000000000', 'r-9');
    assert.equal(
      await createDbRootlyAlertIds(ctx.db()).get('incidents', 'dddd000000000000'),
      'r-9',
    );
  });
});

describe('RootlyAlertIds in memory', () => {
  let ids: RootlyAlertIds;
  beforeEach(() => {
    ids = createMemoryRootlyAlertIds();
  });
  behaves(() => ids);
});
