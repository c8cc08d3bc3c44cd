/**
 * SIGHUP's default action ends the process, and loading the service's modules takes about a
 * second (longer through tsx): a SIGHUP then, such as a reload sent right after a restart,
 * killed it without a line (docs/operations.md: SIGHUP never stops the service). The entry
 * points import this module alone, then load the rest: from then on a SIGHUP is remembered,
 * and `serve` applies it once started (serve.ts).
 */
let received = false;
const remember = (): void => {
  received = true;
};
process.on('SIGHUP', remember);

/**
 * Whether a SIGHUP came while loading. Removes this module's listener: call it once a listener
 * of the caller's own is in place, or to give SIGHUP its default action back.
 */
export function hangupWhileLoading(): boolean {
  process.off('SIGHUP', remember);
  return received;
}
