import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { anAlert } from '../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import type { FakeClock } from '../support/fake-clock.js';
import { createFakeClock, stopMovingClock } from '../support/fake-clock.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

interface JobBody {
  id: string;
  fingerprint: string;
  state: string;
  attempts: number;
  retries: number;
  submitted_at: string;
  waiting_for_target: boolean;
  dead_letter_after: string | null;
  attempt_history: Array<{ at: string; duration_ms: number }>;
}

interface TargetBody {
  breaker_state: string;
  breaker_opened_at: string | null;
  active_jobs: number;
  oldest_job_age_seconds: number | null;
}

const MAX_JOB_AGE_MS = 3_600_000;

// A job whose retries are spent while its target is down waits for it (docs/how-it-works.md,
// Retries): the job API says so, and until when; the targets API says since when the breaker
// is open, how many jobs the target holds and how old the oldest is.
const onServer = await isPostgresReachable();

for (const mode of ['memory', 'durable'] as const) {
  describe(`a job waiting for a down target (${mode} mode)`, () => {
    const skip = mode === 'durable' && !onServer && 'needs PostgreSQL';
    let server: TargetServer;
    let clock: FakeClock;
    let scratch: { url: string; drop: () => Promise<void> } | undefined;
    let running: RunningApp;

    before(async () => {
      if (skip !== false) return;
      server = await startTargetServer();
      server.setDefault({ status: 503 });
      clock = createFakeClock(Date.parse('2026-12-07T12:00:00Z'));
      scratch = mode === 'durable' ? await createScratchDatabase() : undefined;
      // Virtual time runs ahead of real heartbeats here: a long lease keeps it from lapsing.
      running = await startApp({
        yaml: [
          `queue: { mode: ${mode}, durable: { lease: 10m } }`,
          'retry: { base: 10s, max_delay: 20s, jitter: 0s, max_retries: 1, max_job_age: 1h }',
          'circuit_breaker: { failure_threshold: 2, open_timeout: 10m }',
          'targets:',
          `  - { name: down, type: webhook, url: "${server.url}/hook" }`,
          '',
        ].join('\n'),
        clock,
        ...(scratch === undefined ? {} : { databaseUrl: scratch.url }),
      });
    });
    after(async () => {
      if (skip !== false) return;
      await stopMovingClock(clock, running.stop());
      await server.close();
      await scratch?.drop();
    });

    const jobOf = async (id: string): Promise<JobBody> =>
      (await call(running.url, 'GET', `/api/v2/publishing/queue/jobs/${id}`)).body as JobBody;
    const targetOf = async (): Promise<TargetBody> =>
      (await call(running.url, 'GET', '/api/v2/publishing/targets/down')).body as TargetBody;
    /** Moves the clock on 250 ms at a time until `check` holds of the job. */
    const until = (id: string, what: string, check: (job: JobBody) => boolean) =>
      eventually(what, async () => {
        const job = await jobOf(id);
        if (check(job)) return job;
        await clock.advance(250);
        return false;
      });

    it(
      'shows the wait on the job with its dead-letter time, and on the target its open time and jobs',
      { skip },
      async () => {
        const posted = await call(running.url, 'POST', '/webhook', {
          json: { version: '4', status: 'firing', alerts: [anAlert({ alertname: 'Down' })] },
        });
        assert.equal(posted.status, 202);
        const listed = await eventually('the job listed', async () => {
          const res = await call(running.url, 'GET', '/api/v2/publishing/queue/jobs?target=down');
          return (res.body as { jobs: JobBody[] }).jobs[0];
        });

        // Its first attempt failed: an ordinary retry, its retries not spent.
        const retrying = await until(listed.id, 'the first retry waiting', (job) => {
          return job.state === 'retrying' && job.attempts === 1;
        });
        assert.equal(retrying.retries, 0);
        assert.equal(retrying.waiting_for_target, false);
        assert.equal(retrying.dead_letter_after, null);
        assert.equal((await targetOf()).breaker_opened_at, null, 'one failure: still closed');

        // Its retry failed too, the target down since: it waits for the target.
        const waiting = await until(listed.id, 'the job waiting for its target', (job) => {
          return job.state === 'retrying' && job.attempts === 2;
        });
        assert.equal(waiting.retries, 1);
        assert.equal(waiting.waiting_for_target, true);
        const deadline = Date.parse(waiting.submitted_at) + MAX_JOB_AGE_MS;
        assert.equal(waiting.dead_letter_after, new Date(deadline).toISOString());
        const [shown] = (
          (await call(running.url, 'GET', '/api/v2/publishing/queue/jobs?state=retrying')).body as {
            jobs: JobBody[];
          }
        ).jobs;
        assert.equal(shown?.waiting_for_target, true, 'the list says so too');
        assert.equal(shown.dead_letter_after, waiting.dead_letter_after);
        const timeline = await call(
          running.url,
          'GET',
          `/api/v2/publishing/alerts/${waiting.fingerprint}`,
        );
        const [ofTarget] = (timeline.body as { targets: Array<{ jobs: JobBody[] }> }).targets;
        assert.equal(ofTarget?.jobs[0]?.dead_letter_after, waiting.dead_letter_after, 'timeline');

        // The second failure opened the breaker, as the second attempt ended.
        const target = await targetOf();
        assert.equal(target.breaker_state, 'open');
        const second = waiting.attempt_history[1];
        assert.ok(second !== undefined);
        const ended = Date.parse(second.at) + second.duration_ms;
        assert.equal(target.breaker_opened_at, new Date(ended).toISOString());

        // The target holds the job, and one submitted later: the oldest is the first. Durable
        // mode counts at a heartbeat, which the clock moving on brings.
        const later = await call(running.url, 'POST', '/webhook', {
          json: { version: '4', status: 'firing', alerts: [anAlert({ alertname: 'Later' })] },
        });
        assert.equal(later.status, 202);
        const holding = await eventually('both jobs counted', async () => {
          const res = await call(running.url, 'GET', '/api/v2/publishing/targets');
          const [listedTarget] = (res.body as { targets: TargetBody[] }).targets;
          if (listedTarget?.active_jobs === 2) return listedTarget;
          await clock.advance(250);
          return false;
        });
        const age = (clock.now() - Date.parse(waiting.submitted_at)) / 1000;
        assert.equal(holding.oldest_job_age_seconds, age);
        assert.equal(holding.breaker_opened_at, target.breaker_opened_at);
      },
    );
  });
}
