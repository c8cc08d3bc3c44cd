import type { AlertState } from '../domain/alert-state.js';

/** A (target, fingerprint) pair: one alert for one target, whose newest state is asked for. */
export interface AlertChain {
  target: string;
  fingerprint: string;
}

/** How maps of newest states key a (target, fingerprint) pair. */
export function chainKey(chain: AlertChain): string {
  return `${chain.target}\u0000${chain.fingerprint}`;
}

/**
 * The newest state of an alert for one target that was sent or is about to be (queued, in
 * flight, or dead-lettered), with what the alerts list shows of it.
 */
export interface AlertStateRecord {
  target: string;
  fingerprint: string;
  state: AlertState;
  jobId: string;
  alertname: string;
  labels: Readonly<Record<string, string>>;
  /** When it was recorded (epoch ms). */
  at: number;
}

/**
 * Where the newest states outlive the process (publishing_alert_states, both queue modes:
 * src/history/alert-states-repository.ts). Memory mode writes in batches off the hot path;
 * durable mode records them in the admission transaction instead.
 */
export interface AlertStateStore {
  /** Keeps, per (target, fingerprint), the newer of the stored and the given state. */
  save(records: readonly AlertStateRecord[]): Promise<void>;
  /** The stored states of `chains`, keyed by chainKey; a pair with none stored is absent. */
  read(chains: readonly AlertChain[]): Promise<Map<string, AlertStateRecord>>;
  /** The most recently recorded, newest first. */
  recent(limit: number): Promise<AlertStateRecord[]>;
  /** Retention: forgets states not recorded since `beforeMs`; returns how many. */
  purge(beforeMs: number): Promise<number>;
}
