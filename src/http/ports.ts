import type { Registry } from 'prom-client';

import type { ReloadResult } from '../reload.js';
import type { ConnectionLimits } from './connection-limits.js';

import type { Alert, AlertResult } from '../domain/alert.js';
import type { Priority } from '../domain/job.js';
import type { TargetType } from '../domain/target.js';
import type { DlqOperations } from '../dlq/dlq-operations.js';
import type { AlertHistory } from '../history/alert-history.js';
import type { WebhookPayloadParse } from '../ingest/alertmanager-payload.js';
import type { RouteOptions, RouteResult } from '../ingest/route.js';
import type { SubmitRequestParse } from '../ingest/submit-request.js';
import type { BreakerState, PublishingEngine } from '../engine/publishing-engine.js';
import type { AttemptHistoryView } from '../metrics/attempt-history.js';

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

export interface IngestMetrics {
  alertsReceived(result: AlertResult, count: number): void;
}

export interface TargetView {
  name: string;
  type: TargetType;
  enabled: boolean;
  /** Secrets removed. */
  config: Record<string, unknown>;
  breaker: BreakerState;
  /** Epoch ms the breaker opened, while open or half open (PublishingEngine.breakerOpenedAt). */
  breakerOpenedAt?: number | undefined;
  /** The configured rate_limit, if any. */
  rateLimit?: { perSecond: number; burst: number } | undefined;
  /** The configured resend_after, if any. */
  resendAfterMs?: number | undefined;
  /** Attempts a second allowed now (configured, or throttled after a 429); undefined = unlimited. */
  currentRate?: number | undefined;
  /** Its active jobs (PublishingEngine.targetJobs): 0 for a target the engine does not serve. */
  activeJobs: number;
  /** How long ago the oldest of them was submitted; undefined when it has none. */
  oldestJobAgeMs?: number | undefined;
  /** Epoch ms of the last delivery and failed attempt seen since start (attempt history). */
  lastSuccessAt?: number;
  lastFailureAt?: number;
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

/** The console's built files, served at /ui/ (http/static-assets.ts). */
export interface StaticAsset {
  contentType: string;
  body: Buffer;
  gzipped: Buffer;
  etag: string;
  /** Content-hashed names may be cached for ever; the rest are revalidated. */
  immutable: boolean;
}

export interface ServerDeps {
  engine: PublishingEngine;
  /** queue.max_wait per lane, shown beside each lane's oldest due age. */
  laneMaxWaitMs: Partial<Record<Priority, number>>;
  /** Per-10 s attempt counts of the last 15 minutes (GET …/queue/history). */
  history: AttemptHistoryView;
  /** Absent when the console was not built: /ui/ then says how to build it. */
  consoleAssets?: ReadonlyMap<string, StaticAsset>;
  dlq: DlqOperations;
  /** The alerts list and timelines (publishing_alert_states, jobs, letters). */
  alerts: AlertHistory;
  targets: TargetCatalog;
  ingest: Ingest;
  metrics: IngestMetrics;
  readiness: Readiness;
  registry: Registry;
  auth: Auth;
  /** server.allowed_hosts: Host names a tokenless loopback request may use besides loopback's. */
  allowedHosts: readonly string[];
  /** Config reload (POST /-/reload). */
  reload: () => Promise<ReloadResult>;
  bodyLimitBytes: number;
  /** Time limits per connection phase and the connection cap (connection-limits.ts). */
  connections: ConnectionLimits;
  /** Retry-After of the 503s answered while the server drains (queue.admission_retry_after). */
  admissionRetryAfterMs: number;
  /** The clock's epoch ms: when refused webhooks are summarised (refusal-log.ts). */
  now: () => number;
  version: string;
}
