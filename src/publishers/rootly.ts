import type { RootlyTargetConfig } from '../config/targets.js';
import type { Delivery, Publisher, PublishOutcome } from '../domain/publisher.js';
import type { SecretMask } from '../domain/secret-mask.js';
import { storableText } from '../domain/storable-text.js';
import type { HttpResponse, HttpResult } from './http-result.js';
import { snippet, statusOutcome, transportOutcome } from './outcome.js';
import type { PublisherDeps } from './publisher-deps.js';
import { MAX_ALERT_BYTES, rootlyAlertBody } from './rootly-alert-body.js';
import type { RootlyAlertIds } from './rootly-alert-ids.js';

/**
 * Rootly Alerts API (JSON:API; https://docs.rootly.com/api-reference/alerts/creates-an-alert,
 * …/resolves-an-alert): firing → POST /v1/alerts with the fingerprint as `deduplication_key`
 * and `external_id`; resolved → POST /v1/alerts/{id}/resolve with the id stored for that
 * fingerprint (RootlyAlertIds, in PostgreSQL).
 *
 * Choices: every firing is sent; Rootly collapses repeats with one `deduplication_key` onto the
 * open alert (and opens a new one if that was closed in Rootly), and the id it answers replaces
 * the stored one. A resolve with no stored id succeeds with a warning (nothing to resolve:
 * never created, or already resolved); a resolve answered 404 fails for good and keeps the id
 * (deleted in Rootly, or the token lost access: a replay can then resolve it). Rootly's required `source` attribute is an enum of integrations, so
 * it is always `alertmanager`; the configured `source` goes into the alert's `data`. The body
 * is kept within a size bound (rootly-alert-body.ts; docs/targets.md): Rootly documents none,
 * but refuses for good.
 */
export interface RootlyDeps extends PublisherDeps {
  alertIds: RootlyAlertIds;
}

/**
 * Read cap for the create's response: Rootly's 201 echoes the alert (summary, description,
 * labels, data, …), so it is about as large as the body sent, up to MAX_ALERT_BYTES, plus
 * Rootly's own fields and any re-escaping (a character sent as UTF-8 may come back as
 * a `\u` escape of six). Cut at the default 64 KiB, `data.id` would not parse and the resolve would find
 * no id: the alert would stay open in Rootly. 4× the bound; buffered only while in flight.
 */
const CREATE_RESPONSE_BYTES = 4 * MAX_ALERT_BYTES;

const RESOLVE_BODY = JSON.stringify({
  data: {
    type: 'alerts',
    attributes: { resolution_message: 'Resolved in Prometheus (alert-publisher)' },
  },
});

function parseObject(text: string): object | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    // Not JSON (a proxy's error page): callers fall back to the raw text.
    return undefined;
  }
}

/** `data.id` of a JSON:API document. */
function idOf(body: string): string | undefined {
  const data: unknown = Reflect.get(parseObject(body) ?? {}, 'data');
  if (typeof data !== 'object' || data === null) return undefined;
  const id: unknown = Reflect.get(data, 'id');
  // Stored (rootly_alerts) and shown in messages: storable like any target response.
  return typeof id === 'string' || typeof id === 'number' ? storableText(String(id)) : undefined;
}

/** The first JSON:API error's title and detail, else the start of the body. */
function errorDetail(response: HttpResponse, mask: SecretMask): string {
  const errors: unknown = Reflect.get(parseObject(response.body) ?? {}, 'errors');
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  if (typeof first === 'object' && first !== null) {
    const parts = [Reflect.get(first, 'title'), Reflect.get(first, 'detail')];
    const text = parts.filter((p) => typeof p === 'string' && p !== '').join(': ');
    if (text !== '') return snippet(`Rootly: ${text}`, mask);
  }
  return snippet(response.body, mask);
}

function storeFailure(error: unknown): PublishOutcome {
  const code: unknown =
    typeof error === 'object' && error !== null ? Reflect.get(error, 'code') : undefined;
  return {
    ok: false,
    type: 'unknown',
    reason: 'internal',
    message: `Rootly alert id store failed${typeof code === 'string' ? `: ${code}` : ''}`,
  };
}

export function createRootlyPublisher(config: RootlyTargetConfig, deps: RootlyDeps): Publisher {
  const base = config.url.replace(/\/+$/, '');
  const headers = {
    'content-type': 'application/vnd.api+json',
    accept: 'application/vnd.api+json',
    authorization: `Bearer ${config.token}`,
  };
  const post = (
    path: string,
    body: string,
    signal: AbortSignal,
    maxResponseBytes?: number,
  ): Promise<HttpResult> =>
    deps.http.send({
      method: 'POST',
      url: `${base}${path}`,
      headers,
      body,
      signal,
      timeoutMs: config.timeout,
      maxResponseBytes,
    });

  async function fire(d: Delivery, signal: AbortSignal): Promise<PublishOutcome> {
    const result = await post(
      '/v1/alerts',
      rootlyAlertBody(config, d),
      signal,
      CREATE_RESPONSE_BYTES,
    );
    if (!result.ok) return transportOutcome(result.failure, 'Rootly request failed');
    const { response } = result;
    const outcome = statusOutcome(response, deps.clock.now(), () =>
      errorDetail(response, deps.mask),
    );
    if (!outcome.ok) return outcome;
    const id = idOf(response.body);
    if (id === undefined) {
      return {
        ok: true,
        status: response.status,
        message: 'warning: Rootly returned no alert id; a resolve will find nothing',
      };
    }
    await deps.alertIds.set(d.target, d.alert.fingerprint, id);
    return { ok: true, status: response.status, message: `created Rootly alert ${id}` };
  }

  async function resolve(d: Delivery, signal: AbortSignal): Promise<PublishOutcome> {
    const id = await deps.alertIds.get(d.target, d.alert.fingerprint);
    if (id === undefined)
      return {
        ok: true,
        message: 'warning: no Rootly alert stored for this fingerprint; nothing to resolve',
      };
    const result = await post(`/v1/alerts/${encodeURIComponent(id)}/resolve`, RESOLVE_BODY, signal);
    if (!result.ok) return transportOutcome(result.failure, 'Rootly request failed');
    const { response } = result;
    // Rootly's 404 means "not found or unauthorized": a token that lost access looks like a
    // deleted alert. So it fails for good (dead letter) and the id is kept, for a replay once
    // access is back (docs/targets.md, "rootly").
    const outcome = statusOutcome(response, deps.clock.now(), () =>
      response.status === 404
        ? `Rootly alert ${id}: deleted in Rootly or not visible to this token`
        : errorDetail(response, deps.mask),
    );
    if (!outcome.ok) return outcome;
    await deps.alertIds.delete(d.target, d.alert.fingerprint);
    return { ok: true, status: response.status, message: `resolved Rootly alert ${id}` };
  }

  return {
    async publish(delivery, signal) {
      try {
        return delivery.alert.status === 'resolved'
          ? await resolve(delivery, signal)
          : await fire(delivery, signal);
      } catch (error: unknown) {
        // Only the id store throws (HTTP failures are values): retry like any unknown failure.
        return storeFailure(error);
      }
    },
    close: () => Promise.resolve(),
  };
}
