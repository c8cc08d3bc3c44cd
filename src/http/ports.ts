import type { Registry } from 'prom-client';

import type { ConnectionLimits } from './connection-limits.js';
import type { Alert } from '../domain/alert.js';
import type { TargetType } from '../domain/target.js';
import type { DlqEntry, DlqFilter, DlqPage, DlqPageRequest, DlqStats } from '../dlq/dlq-entry.js';
import type { WebhookPayloadParse } from '../ingest/alertmanager-payload.js';
import type { RouteOptions, RouteResult } from '../ingest/route.js';
import type { SubmitRequestParse } from '../ingest/submit-request.js';
import type { BreakerState, PublishingEngine } from '../queue/publishing-engine.js';

/**
 * What the HTTP routes (and the CLI) need from the rest of the service. app.ts builds these
 * from the real modules; each is small enough that a test can hand in a fake.
 */

/** ingest/: payload validation (paths relative to the body) and routing by matchers. */
export interface Ingest {
  parseWebhook(body: unknown): WebhookPayloadParse;
  parseSubmit(body: unknown): SubmitRequestParse;
  route(alerts: readonly Alert[], options?: RouteOptions): RouteResult;
}

export const ALERT_RESULTS = ['routed', 'unrouted', 'rejected'] as const;
export type AlertResult = (typeof ALERT_RESULTS)[number];

export interface IngestMetrics {
  alertsReceived(result: AlertResult, count: number): void;
}

export interface ReplayMatchingRequest {
  filter: DlqFilter;
  limit: number;
  dryRun: boolean;
}

export interface ReplayMatchingResult {
  matched: number;
  replayed: number;
  jobIds: string[];
}

/** The DLQ operations; throw AppError (not_found, already_replayed, target_not_configured, queue_full, unavailable). */
export interface DlqOperations {
  list(request: DlqPageRequest): Promise<DlqPage>;
  stats(): Promise<DlqStats>;
  get(id: string): Promise<DlqEntry>;
  remove(id: string): Promise<void>;
  purge(olderThanMs: number): Promise<number>;
  replay(id: string): Promise<{ jobId: string }>;
  replayMatching(request: ReplayMatchingRequest): Promise<ReplayMatchingResult>;
}

export interface TargetView {
  name: string;
  type: TargetType;
  enabled: boolean;
  /** Secrets removed. */
  config: Record<string, unknown>;
  breaker: BreakerState;
}

export interface TargetTestResult {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  message: string;
}

export interface TargetCatalog {
  list(): TargetView[];
  get(name: string): TargetView | undefined;
  /** Sends a labelled synthetic alert to the target now; throws AppError not_found. */
  test(name: string): Promise<TargetTestResult>;
}

export interface Readiness {
  mode: 'memory' | 'durable';
  /** Resolves true when a trivial query succeeds within a short bound. */
  databaseReachable(): Promise<boolean>;
}

export interface Auth {
  apiToken: string;
  readToken: string;
  webhookToken: string;
}

export interface ServerDeps {
  engine: PublishingEngine;
  dlq: DlqOperations;
  targets: TargetCatalog;
  ingest: Ingest;
  metrics: IngestMetrics;
  readiness: Readiness;
  registry: Registry;
  auth: Auth;
  bodyLimitBytes: number;
  /** Time limits per connection phase and the connection cap (connection-limits.ts). */
  connections: ConnectionLimits;
  /** Retry-After of the 503s answered while the server drains (queue.admission_retry_after). */
  admissionRetryAfterMs: number;
  version: string;
}
