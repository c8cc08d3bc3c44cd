import { html } from 'lit-html';

import type { Page } from '../page.js';
import { links } from '../router.js';

export function createNotFoundPage(path: string): Page {
  return {
    title: () => 'Not found',
    view: () =>
      html`<h1 tabindex="-1">Not found</h1>
        <p>The console has no page at <code>${path}</code>.</p>
        <p><a href=${links.overview()}>Go to the overview</a></p>`,
    dispose: () => undefined,
  };
}
