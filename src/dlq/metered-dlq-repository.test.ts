import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { beforeEach, it } from 'node:test';

import { Registry } from 'prom-client';

import { createMetrics } from '../metrics/metrics.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import { forEachDatabase, silentLogger } from '../../test/support/databases.js';
import { aDeadLetter } from '../../test/support/dlq-fixtures.js';
import {
  createDlqRepository,
  DEFAULT_CLAIM_LEASE_MS,
  type DlqRepository,
} from './dlq-repository.js';
import { meterDlqRepository } from './metered-dlq-repository.js';

const DAY = 86_400_000;

forEachDatabase('DLQ metrics', (ctx) => {
  const clock = createFakeClock();
  let registry: Registry;
  let plain: DlqRepository;

  beforeEach(async () => {
    await ctx.db().query('TRUNCATE publishing_dlq');
    registry = new Registry();
    plain = createDlqRepository({ db: ctx.db(), clock });
  });

  const metered = (): DlqRepository =>
    meterDlqRepository(plain, {
      metrics: createMetrics(registry),
      clock,
      logger: silentLogger,
      recountMs: 60_000,
    });

  async function sample(name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = await registry.getSingleMetric(name)?.get();
    const match = metric?.values.find((v) =>
      Object.entries(labels).every(([k, value]) => v.labels[k] === value),
    );
    return match?.value ?? 0;
  }
  const entries = (): Promise<number> =>
    sample('alert_publisher_dlq_entries', { replayed: 'false' });
  const replayedEntries = (): Promise<number> =>
    sample('alert_publisher_dlq_entries', { replayed: 'true' });

  /** The first count has landed (the gauge's series exist only from then on). */
  async function counted(): Promise<boolean> {
    const metric = await registry.getSingleMetric('alert_publisher_dlq_entries')?.get();
    return metric?.values.some((v) => v.labels['replayed'] === 'false') === true;
  }

  /** Polls until a fire-and-forget recount has landed; each round trips through the database. */
  async function waitFor(condition: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 500; i += 1) {
      if (await condition()) return;
      await ctx.db().query('SELECT 1');
    }
    assert.fail('condition not met');
  }

  it('dlq_entries starts from the stored count and follows inserts, deletes and purges', async () => {
    await plain.write([aDeadLetter(), aDeadLetter()]);
    const repo = metered();
    await waitFor(async () => (await entries()) === 2);
    const letter = aDeadLetter({ failedAt: clock.now() });
    await repo.write([letter, aDeadLetter({ failedAt: clock.now() })]);
    assert.equal(await entries(), 4);
    await repo.write([letter]); // stored before: not counted twice
    assert.equal(await entries(), 4);
    const [newest] = (await repo.list({ filter: {}, limit: 1 })).entries;
    assert.ok(newest !== undefined);
    assert.equal(await repo.remove(newest.id), true);
    await waitFor(async () => (await entries()) === 3); // a delete recounts
    await clock.advance(DAY);
    assert.equal(await repo.purge(DAY / 2), 3);
    await waitFor(async () => (await entries()) === 0);
  });

  it('a replay moves an entry from waiting to replayed, and a released claim moves it back', async () => {
    const repo = metered();
    await repo.write([aDeadLetter(), aDeadLetter(), aDeadLetter()]);
    await waitFor(async () => (await entries()) === 3);
    const [a, b] = (await repo.list({ filter: {} })).entries;
    assert.ok(a !== undefined && b !== undefined);
    const claimed = await repo.claimReplay(a.id);
    assert.ok(claimed?.replayed_at !== undefined && claimed.replayed_at !== null);
    await repo.claimReplay(b.id);
    assert.deepEqual([await entries(), await replayedEntries()], [1, 2]);
    assert.equal(await repo.releaseReplay(a.id, claimed.replayed_at), true);
    assert.deepEqual([await entries(), await replayedEntries()], [2, 1]);
    await clock.advance(DEFAULT_CLAIM_LEASE_MS + 1); // b's claim recorded no job: stale
    assert.equal(await repo.releaseStaleClaims(), 1);
    assert.deepEqual([await entries(), await replayedEntries()], [3, 0]);
    await plain.claimReplay(b.id); // another instance replays it
    assert.deepEqual([await entries(), await replayedEntries()], [3, 0]);
    await clock.advance(60_000);
    await registry.metrics(); // the scrape starts the recount
    await waitFor(async () => (await replayedEntries()) === 1);
    assert.equal(await entries(), 2);
  });

  it("a bulk replay's chunk claims move entries to replayed, its release moves them back, and recorded jobs count as submitted", async () => {
    const repo = metered();
    await repo.write([aDeadLetter(), aDeadLetter(), aDeadLetter()]);
    await waitFor(async () => (await entries()) === 3);
    const ids = (await repo.list({ filter: {} })).entries.map((entry) => entry.id);
    const claimed = await repo.claimReplays(ids);
    const claimedAt = claimed[0]?.replayed_at;
    assert.ok(claimedAt !== undefined && claimedAt !== null);
    assert.deepEqual([await entries(), await replayedEntries()], [0, 3]);
    assert.equal(await repo.releaseReplays(ids.slice(0, 1), claimedAt), 1);
    assert.deepEqual([await entries(), await replayedEntries()], [1, 2]);
    const jobs = ids.slice(1).map((id) => ({ id, jobId: randomUUID() }));
    assert.equal(await repo.recordReplayJobs(jobs), 2);
    assert.equal(await sample('alert_publisher_dlq_replays_total', { result: 'submitted' }), 2);
  });

  it('a scrape after the recount interval picks up rows other writers stored', async () => {
    const repo = metered();
    // The start's count must land first: one still in flight would read the rows written next.
    await waitFor(counted);
    await waitFor(async () => (await entries()) === 0);
    await plain.write([aDeadLetter(), aDeadLetter(), aDeadLetter()]); // e.g. another instance
    assert.equal(await entries(), 0);
    await clock.advance(60_000);
    await registry.metrics(); // the scrape starts the recount; the next one shows it
    await waitFor(async () => (await entries()) === 3);
    await repo.write([aDeadLetter()]);
    assert.equal(await entries(), 4);
  });

  it('dlq_replays_total counts submitted replays and then their outcomes', async () => {
    const repo = metered();
    await repo.write([aDeadLetter(), aDeadLetter()]);
    const [a, b] = (await repo.list({ filter: {} })).entries;
    assert.ok(a !== undefined && b !== undefined);
    for (const [entry, jobId] of [
      [a, '00000000-0000-4000-8000-00000000000a'],
      [b, '00000000-0000-4000-8000-00000000000b'],
    ] as const) {
      await repo.claimReplay(entry.id);
      assert.equal(await repo.recordReplayJob(entry.id, jobId), true);
    }
    assert.equal(await sample('alert_publisher_dlq_replays_total', { result: 'submitted' }), 2);
    await repo.recordReplayOutcome(a.id, '00000000-0000-4000-8000-00000000000a', 'succeeded');
    await repo.recordReplayOutcome(b.id, '00000000-0000-4000-8000-00000000000b', 'failed');
    // An outcome for a job the entry does not name is not counted.
    await repo.recordReplayOutcome(b.id, '00000000-0000-4000-8000-0000000000ff', 'failed');
    assert.equal(await sample('alert_publisher_dlq_replays_total', { result: 'succeeded' }), 1);
    assert.equal(await sample('alert_publisher_dlq_replays_total', { result: 'failed' }), 1);
  });
});
