import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';

import type { AbortWatcher } from './abort-watch.js';
import { AbortWatch } from './abort-watch.js';

interface TestWatcher extends AbortWatcher {
  told: number;
  leave(): void;
}

/** A watcher that counts what it was told and, like a response, stops watching when told. */
function aWatcher(watch: AbortWatch, signal: AbortSignal): TestWatcher {
  const watcher: TestWatcher = {
    told: 0,
    onAbort(): void {
      watcher.told += 1;
      watcher.leave();
    },
    leave: () => undefined,
  };
  const watchers = watch.add(signal, watcher);
  watcher.leave = () => watchers.delete(watcher);
  return watcher;
}

describe('AbortWatch', () => {
  it('tells every current watcher of a signal once when it aborts, and no one else', () => {
    const watch = new AbortWatch();
    const controller = new AbortController();
    const other = new AbortController();
    const first = aWatcher(watch, controller.signal);
    const second = aWatcher(watch, controller.signal);
    const gone = aWatcher(watch, controller.signal);
    gone.leave();
    const elsewhere = aWatcher(watch, other.signal);
    controller.abort();
    controller.abort();
    assert.deepEqual([first.told, second.told, gone.told, elsewhere.told], [1, 1, 0, 0]);
  });

  it('adds one listener to a signal however many requests watch it in turn', () => {
    const watch = new AbortWatch();
    const controller = new AbortController();
    for (let i = 0; i < 50; i += 1) aWatcher(watch, controller.signal).leave();
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    const last = aWatcher(watch, controller.signal);
    controller.abort();
    assert.equal(last.told, 1);
  });
});
