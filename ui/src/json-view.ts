import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import { visibleText } from './format.js';

const NO_KEYS: ReadonlySet<string> = new Set();

/**
 * Any JSON value as nested definition lists: target configs (already masked by the API),
 * classifications, and answers of APIs whose shape the console does not know yet. A number
 * under one of `msKeys` is milliseconds and shown so (a target's `timeout: 5000` is 5 s).
 */
export function jsonView(value: unknown, msKeys = NO_KEYS): TemplateResult | string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) {
    if (value.length === 0) return html`<span class="muted">none</span>`;
    return html`<ol class="json-list">
      ${value.map((item) => html`<li>${jsonView(item, msKeys)}</li>`)}
    </ol>`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return html`<span class="muted">empty</span>`;
    return html`<dl class="json">
      ${entries.map(
        ([key, item]) =>
          html`<dt>${visibleText(key)}</dt>
            <dd>
              ${typeof item === 'number' && msKeys.has(key) ? `${item} ms` : jsonView(item, msKeys)}
            </dd>`,
      )}
    </dl>`;
  }
  if (typeof value === 'string') return visibleText(value);
  return JSON.stringify(value) ?? '';
}
