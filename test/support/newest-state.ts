import { chainKey } from '../../src/engine/alert-state-store.js';
import type { PublishingEngine } from '../../src/engine/publishing-engine.js';
import type { StateOfJob } from '../../src/engine/supersession.js';

/** The newest state an engine knows for one (target, fingerprint): its batch lookup of one pair. */
export async function newestStateOf(
  engine: Pick<PublishingEngine, 'newestStates'>,
  target: string,
  fingerprint: string,
): Promise<StateOfJob | undefined> {
  const chain = { target, fingerprint };
  return (await engine.newestStates([chain])).get(chainKey(chain));
}
