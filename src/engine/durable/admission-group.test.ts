import assert from 'node:assert/strict';
import { it } from 'node:test';

import { createAdmissionGroup } from './admission-group.js';

interface Batch {
  name: string;
  jobs: number[];
}

const batch = (name: string, size = 1): Batch => ({ name, jobs: Array.from({ length: size }) });

/** A `run` whose transactions end when the test says so; records what each one was given. */
function controlledRun() {
  const runs: string[][] = [];
  const ends: Array<(error?: Error) => void> = [];
  const run = (batches: Batch[]): Promise<string[]> => {
    runs.push(batches.map((b) => b.name));
    return new Promise((resolve, reject) => {
      ends.push((error) => {
        if (error === undefined) resolve(batches.map((b) => `admitted ${b.name}`));
        else reject(error);
      });
    });
  };
  const end = async (error?: Error): Promise<void> => {
    const next = ends.shift();
    assert.ok(next !== undefined, 'no transaction in flight');
    next(error);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { run, runs, end };
}

it('admits a batch at rest at once, alone', async () => {
  const { run, runs, end } = controlledRun();
  const { admit } = createAdmissionGroup(run, 100);
  const answer = admit(batch('a'));
  assert.deepEqual(runs, [['a']]);
  await end();
  assert.equal(await answer, 'admitted a');
});

it('takes the batches that arrived during a transaction together, in order, into the next', async () => {
  const { run, runs, end } = controlledRun();
  const { admit } = createAdmissionGroup(run, 100);
  const answers = [admit(batch('a')), admit(batch('b')), admit(batch('c')), admit(batch('d'))];
  assert.deepEqual(runs, [['a']], 'the others wait for the transaction in flight');
  await end();
  assert.deepEqual(runs, [['a'], ['b', 'c', 'd']]);
  await end();
  assert.deepEqual(await Promise.all(answers), [
    'admitted a',
    'admitted b',
    'admitted c',
    'admitted d',
  ]);
});

it('takes at most maxJobs jobs per transaction, and always at least one batch', async () => {
  const { run, runs, end } = controlledRun();
  const { admit } = createAdmissionGroup(run, 10);
  const answers = [
    admit(batch('first', 1)),
    admit(batch('six', 6)),
    admit(batch('four', 4)),
    admit(batch('big', 25)),
    admit(batch('one', 1)),
  ];
  await end();
  await end();
  await end();
  await end();
  assert.deepEqual(runs, [['first'], ['six', 'four'], ['big'], ['one']]);
  assert.deepEqual(await Promise.all(answers), [
    'admitted first',
    'admitted six',
    'admitted four',
    'admitted big',
    'admitted one',
  ]);
});

it('gives a failed transaction’s error to each of its batches, and goes on with the next', async () => {
  const { run, runs, end } = controlledRun();
  const { admit } = createAdmissionGroup(run, 100);
  const first = admit(batch('a'));
  const failing = [admit(batch('b')), admit(batch('c'))].map((answer) =>
    answer.then(String, (error: Error) => `refused: ${error.message}`),
  );
  await end();
  const later = admit(batch('d'));
  await end(new Error('connection lost'));
  assert.deepEqual(await Promise.all(failing), [
    'refused: connection lost',
    'refused: connection lost',
  ]);
  assert.deepEqual(runs, [['a'], ['b', 'c'], ['d']]);
  await end();
  assert.equal(await first, 'admitted a');
  assert.equal(await later, 'admitted d');
});

it('starts a new transaction for a batch added as the last answers are handed out', async () => {
  const { run, runs, end } = controlledRun();
  const { admit } = createAdmissionGroup(run, 100);
  const next = admit(batch('a')).then(() => admit(batch('b')));
  await end();
  assert.deepEqual(runs, [['a'], ['b']]);
  await end();
  assert.equal(await next, 'admitted b');
});

it('is idle once every batch given so far is answered', async () => {
  const { run, end } = controlledRun();
  const { admit, idle } = createAdmissionGroup(run, 100);
  await idle();
  let done = false;
  const answers = [admit(batch('a')), admit(batch('b'))];
  const idled = idle().then(() => {
    done = true;
  });
  await end();
  assert.equal(done, false, 'b is still waiting');
  await end();
  await idled;
  assert.deepEqual(await Promise.all(answers), ['admitted a', 'admitted b']);
});
