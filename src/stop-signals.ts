export const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * Stop signals this close after the first are the same request. Ctrl-C under `npm start`
 * reaches the service twice within milliseconds: the terminal signals the whole foreground
 * process group, and npm forwards what it received to its script. A person pressing Ctrl-C
 * again to force the exit takes longer than this.
 */
export const REPEAT_WINDOW_MS = 1_000;

/** The part of `process` this module uses. */
export interface SignalSource {
  on(event: StopSignal, listener: () => void): unknown;
}

export interface StopRequest {
  /** The first stop signal. */
  signal: Promise<StopSignal>;
  /**
   * The stop is over: later signals are ignored. The listeners stay, because a late copy
   * (npm forwarding on a busy machine) would otherwise kill the exiting process by its
   * default action, and npm would report the signal instead of the exit code.
   */
  stopped(): void;
}

/**
 * Listens for SIGTERM and SIGINT: `signal` resolves with the first; a later one, at least
 * REPEAT_WINDOW_MS after it, calls `force` (the caller exits without waiting for the drain).
 */
export function watchStopSignals(
  source: SignalSource,
  nowMs: () => number,
  force: (signal: StopSignal) => void,
): StopRequest {
  let firstAt: number | undefined;
  let over = false;
  let resolveFirst: (signal: StopSignal) => void = () => undefined;
  const signal = new Promise<StopSignal>((resolve) => (resolveFirst = resolve));
  for (const name of STOP_SIGNALS) {
    source.on(name, () => {
      if (over) return;
      const now = nowMs();
      if (firstAt === undefined) {
        firstAt = now;
        resolveFirst(name);
      } else if (now - firstAt >= REPEAT_WINDOW_MS) force(name);
    });
  }
  return {
    signal,
    stopped() {
      over = true;
    },
  };
}
