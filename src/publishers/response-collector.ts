// Kept (issue #13): without it (undici `request` with the signal, the body read capped at
// 64 KiB as docs/how-it-works.md says) engine-post CPU/job rises from 66.6 to 109.0 µs
// (+64%), the publisher alone from 53.0 to 83.3 µs; measured 2026-12-07 (engine-post A/B in
// one process, 8 rounds of 20 000 jobs, load 3.5-4.6, against the handler as it was then,
// with AbortWatch and splitUrl, whose share was under 5% each: docs/benchmarks.md).
import type { IncomingHttpHeaders } from 'node:http';

import { errors } from 'undici';
import type { Dispatcher } from 'undici';

import { classifyError } from '../retry/classify-error.js';
import type { HttpResult } from './http-result.js';

type Controller = Dispatcher.DispatchController;

// Made once: an abort reason built per response would capture a stack each time.
const OVER_CAP = new Error('response body over the read cap; connection dropped');

/**
 * The undici dispatch handler behind `HttpClient.send`: collects status, headers and at most
 * `maxBytes` of the body, then calls `done` exactly once with the result.
 *
 * - Past the cap the result is returned at once (`truncated`) and the request is aborted, so
 *   the rest is never buffered and that connection is not reused.
 * - An abort of `signal` settles at once as a transient timeout (classifyError: the signal
 *   wins) and aborts the request, at once if it is on a socket or as soon as it gets one.
 * - Errors become failures through classifyError, as thrown by `request` before.
 * Costs per response: itself as the abort listener on `signal`, the body chunks, one UTF-8 decode.
 */
export class ResponseCollector implements Dispatcher.DispatchHandler {
  private controller: Controller | undefined;
  private pendingAbort: Error | undefined;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private chunks: Buffer[] = [];
  private size = 0;
  private settled = false;

  constructor(
    private readonly signal: AbortSignal,
    private readonly maxBytes: number,
    private readonly done: (result: HttpResult) => void,
  ) {
    if (signal.aborted) this.pendingAbort = abortReason(signal);
    // The collector is its own listener (handleEvent): no closure per request. Removed at settle.
    else signal.addEventListener('abort', this);
  }

  /** The signal aborted. */
  handleEvent(): void {
    const reason = abortReason(this.signal);
    this.fail(reason);
    if (this.controller === undefined) this.pendingAbort = reason;
    else this.controller.abort(reason);
  }

  onRequestStart(controller: Controller): void {
    // Called again if undici retries the request on another socket: start over.
    this.controller = controller;
    this.chunks = [];
    this.size = 0;
    if (this.pendingAbort !== undefined) controller.abort(this.pendingAbort);
  }

  onResponseStart(_controller: Controller, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // informational; the final response follows
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.settled) return;
    if (this.size + chunk.length <= this.maxBytes) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      return;
    }
    this.chunks.push(chunk.subarray(0, this.maxBytes - this.size));
    this.size = this.maxBytes;
    this.succeed(true);
    controller.abort(OVER_CAP);
  }

  onResponseEnd(): void {
    this.succeed(false);
  }

  onResponseError(_controller: Controller | undefined, error: Error): void {
    this.fail(error);
  }

  /** Settles with the failure `error` stands for (no-op once settled). */
  fail(error: unknown): void {
    if (this.settled) return;
    this.settle({ ok: false, failure: classifyError(error, this.signal) });
  }

  private succeed(truncated: boolean): void {
    if (this.settled) return;
    const body = decode(this.chunks, this.size);
    this.chunks = [];
    this.settle({
      ok: true,
      response: { status: this.status, headers: this.headers, body, truncated },
    });
  }

  private settle(result: HttpResult): void {
    this.settled = true;
    this.signal.removeEventListener('abort', this);
    this.done(result);
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new errors.RequestAbortedError();
}

/** UTF-8, a leading byte-order mark dropped (as undici's `body.text()` does). */
function decode(chunks: readonly Buffer[], size: number): string {
  if (size === 0) return '';
  const buffer =
    chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size);
  const hasBom = size > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  return buffer.toString('utf8', hasBom ? 3 : 0, size);
}
