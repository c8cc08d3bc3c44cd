import { compareAlertStates } from '../domain/alert-state.js';
import type { PublishingEngine } from '../engine/publishing-engine.js';
import type { StateOfJob } from '../engine/supersession.js';

/** The newest recorded state of an alert, and the target it was recorded for. */
export interface NewestOfAlert extends StateOfJob {
  target: string;
}

/**
 * The newest state of alert `fingerprint` recorded for any of `targets` (one lookup each,
 * concurrent). An alert's state (startsAt, status) belongs to the alert, not to a target: a
 * target removed or disabled meanwhile was routed none of the newer states the others recorded,
 * and its letters are as outdated as theirs (docs/alert-state.md, "Replay checks for a newer
 * state").
 */
export async function newestStateOfAlert(
  engine: Pick<PublishingEngine, 'newestState'>,
  targets: Iterable<string>,
  fingerprint: string,
): Promise<NewestOfAlert | undefined> {
  const names = [...new Set(targets)];
  const states = await Promise.all(names.map((name) => engine.newestState(name, fingerprint)));
  let newest: NewestOfAlert | undefined;
  states.forEach((state, index) => {
    if (state === undefined) return;
    if (newest === undefined || compareAlertStates(state.state, newest.state) > 0) {
      newest = { ...state, target: names[index] ?? '' };
    }
  });
  return newest;
}
