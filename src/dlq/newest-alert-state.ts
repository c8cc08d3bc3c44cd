import { compareAlertStates } from '../domain/alert-state.js';
import type { AlertChain } from '../engine/alert-state-store.js';
import { chainKey } from '../engine/alert-state-store.js';
import type { PublishingEngine } from '../engine/publishing-engine.js';
import type { StateOfJob } from '../engine/supersession.js';

/** The newest recorded state of an alert, and the target it was recorded for. */
export interface NewestOfAlert extends StateOfJob {
  target: string;
}

/**
 * The pairs to look in for the alerts of `letters`: each letter's own target, then every one of
 * `targets`, each pair once, in that order. An alert's state (startsAt, status) belongs to the
 * alert, not to a target: a target removed or disabled meanwhile was routed none of the newer
 * states the others recorded, and its letters are as outdated as theirs (docs/alert-state.md,
 * "Replay checks for a newer state").
 */
export function chainsOfAlerts(
  letters: Iterable<AlertChain>,
  targets: Iterable<string>,
): AlertChain[] {
  const names = [...targets];
  const chains = new Map<string, AlertChain>();
  for (const letter of letters) {
    for (const target of [letter.target, ...names]) {
      const chain = { target, fingerprint: letter.fingerprint };
      const key = chainKey(chain);
      if (!chains.has(key)) chains.set(key, chain);
    }
  }
  return [...chains.values()];
}

/**
 * Per fingerprint, the newest of the states `found` for `chains` (keyed by chainKey), with its
 * target; on a tie, the earlier pair's. A fingerprint with no state found is absent.
 */
export function newestOfAlerts(
  chains: readonly AlertChain[],
  found: ReadonlyMap<string, StateOfJob>,
): Map<string, NewestOfAlert> {
  const newest = new Map<string, NewestOfAlert>();
  for (const chain of chains) {
    const state = found.get(chainKey(chain));
    if (state === undefined) continue;
    const known = newest.get(chain.fingerprint);
    if (known === undefined || compareAlertStates(state.state, known.state) > 0) {
      newest.set(chain.fingerprint, {
        jobId: state.jobId,
        state: state.state,
        target: chain.target,
      });
    }
  }
  return newest;
}

/**
 * The newest state of the alert of each of `letters` recorded for its own target or any of
 * `targets` (chainsOfAlerts), keyed by fingerprint: one engine lookup for them all.
 */
export async function newestStatesOfAlerts(
  engine: Pick<PublishingEngine, 'newestStates'>,
  letters: Iterable<AlertChain>,
  targets: Iterable<string>,
): Promise<Map<string, NewestOfAlert>> {
  const chains = chainsOfAlerts(letters, targets);
  if (chains.length === 0) return new Map();
  return newestOfAlerts(chains, await engine.newestStates(chains));
}
