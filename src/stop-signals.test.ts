import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';

import type { StopSignal } from './stop-signals.js';
import { REPEAT_WINDOW_MS, watchStopSignals } from './stop-signals.js';

function setup(): {
  emitter: EventEmitter;
  at: (ms: number, signal: StopSignal) => void;
  forced: StopSignal[];
  request: ReturnType<typeof watchStopSignals>;
} {
  const emitter = new EventEmitter();
  let now = 0;
  const forced: StopSignal[] = [];
  const request = watchStopSignals(
    emitter,
    () => now,
    (signal) => forced.push(signal),
  );
  return {
    emitter,
    forced,
    request,
    at(ms, signal) {
      now = ms;
      emitter.emit(signal);
    },
  };
}

describe('stop signals', () => {
  it('resolves with the first stop signal', async () => {
    const { at, request, forced } = setup();
    at(5, 'SIGTERM');
    assert.equal(await request.signal, 'SIGTERM');
    assert.deepEqual(forced, []);
  });

  it('takes the copy npm forwards of a Ctrl-C as the same request', async () => {
    const { at, request, forced } = setup();
    at(100, 'SIGINT'); // from the terminal, to the whole process group
    at(103, 'SIGINT'); // forwarded by npm
    assert.equal(await request.signal, 'SIGINT');
    assert.deepEqual(forced, []);
  });

  it('forces the exit on a stop signal after the repeat window', () => {
    const { at, forced } = setup();
    at(0, 'SIGINT');
    at(REPEAT_WINDOW_MS - 1, 'SIGINT');
    at(REPEAT_WINDOW_MS, 'SIGTERM');
    assert.deepEqual(forced, ['SIGTERM']);
  });

  it('ignores signals once the stop is over, still listening so none kills the process', () => {
    const { emitter, at, request, forced } = setup();
    at(0, 'SIGINT');
    request.stopped();
    at(5_000, 'SIGINT'); // a late forwarded copy
    assert.deepEqual(forced, []);
    assert.equal(emitter.listenerCount('SIGINT'), 1);
    assert.equal(emitter.listenerCount('SIGTERM'), 1);
  });
});
