import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import type { Api } from './api.js';
import { messageOf } from './api.js';
import { words } from './format.js';
import type { Access } from './schemas.js';

/** What every page is given. */
export interface PageContext {
  api: Api;
  access: Access;
  /** Renders the current page again (after its state changed). */
  update(): void;
  navigate(href: string): void;
  /** A short message in the status region (read out by screen readers). */
  notify(message: string): void;
  /** Epoch ms now; the one place the console reads the wall clock. */
  now(): number;
}

export interface Page {
  title(): string;
  view(): TemplateResult;
  /** Stops timers; called when the operator leaves the page. */
  dispose(): void;
}

/** A value being loaded: before, after, or failed. */
export type Loaded<T> =
  { state: 'loading' } | { state: 'ready'; value: T } | { state: 'failed'; message: string };

export async function load<T>(fetcher: () => Promise<T>): Promise<Loaded<T>> {
  try {
    return { state: 'ready', value: await fetcher() };
  } catch (error: unknown) {
    return { state: 'failed', message: messageOf(error) };
  }
}

export function whenLoaded<T>(
  loaded: Loaded<T>,
  view: (value: T) => TemplateResult | string,
  what: string,
): TemplateResult | string {
  switch (loaded.state) {
    case 'loading':
      return html`<p class="muted">Loading ${what}…</p>`;
    case 'failed':
      return html`<p class="error" role="alert">Cannot load ${what}: ${loaded.message}</p>`;
    case 'ready':
      return view(loaded.value);
    default: {
      const unreachable: never = loaded;
      return unreachable;
    }
  }
}

/** Why a write button is disabled, as its tooltip and accessible description. */
export function writeRefusal(access: Access): string | undefined {
  if (access.can_write) return undefined;
  return access.write_rule === 'api_token'
    ? 'read-only: this token may not change anything (use the API token)'
    : 'read-only: without auth.api_token, changes are accepted from this machine (loopback) only';
}

export function badge(textValue: string, kind = textValue): TemplateResult {
  return html`<span class="badge badge-${kind.replace(/[^a-z_-]/gi, '')}"
    >${words(textValue)}</span
  >`;
}

/** What the last action on a page did; a failure is shown as an alert, not as news. */
export interface Outcome {
  text: string;
  isFailure: boolean;
}

export function outcomeView(outcome: Outcome | undefined): TemplateResult | string {
  if (outcome === undefined) return '';
  return outcome.isFailure
    ? html`<p class="outcome outcome-failed" role="alert">${outcome.text}</p>`
    : html`<p class="outcome" role="status">${outcome.text}</p>`;
}
