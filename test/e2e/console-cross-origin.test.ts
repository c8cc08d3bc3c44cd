import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import type { Browser } from 'playwright-core';

import { buildTempConsole, launchBrowser, watchErrors } from '../support/browser.js';
import { call } from '../support/service-http.js';
import type { Stack } from './support/console-app.js';
import {
  VIEWPORT,
  consoleSkip,
  replayFromPage,
  settled,
  startStack,
} from './support/console-app.js';

/** A page on another origin that tries every write a browser lets it send without asking. */
function attackPage(app: string, id: string): string {
  return `<!doctype html><html><body>
<iframe name="sink"></iframe>
<form id="replay" method="POST" action="${app}/api/v2/publishing/dlq/${id}/replay" target="sink"></form>
<form id="bulk" method="POST" enctype="text/plain" action="${app}/api/v2/publishing/dlq/replay" target="sink">
  <input name='{"filters":{},"limit":10,"x":"' value='"}'></form>
<script>
const api = ${JSON.stringify(`${app}/api/v2/publishing`)};
const quiet = (p) => p.then(() => undefined, () => undefined);
const tries = [
  quiet(fetch(api + '/dlq/${id}/replay', { method: 'POST', mode: 'no-cors' })),
  quiet(fetch(api + '/dlq/replay', { method: 'POST', mode: 'no-cors', body: '{"filters":{},"limit":10}' })),
  quiet(fetch(api + '/targets/broken/test', { method: 'POST', mode: 'no-cors' })),
  quiet(fetch(api + '/dlq/purge?older_than=1s', { method: 'DELETE' })),
  quiet(fetch(api + '/dlq/${id}', { method: 'DELETE' })),
  quiet(fetch(api + '/dlq/${id}/replay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })),
];
navigator.sendBeacon(api + '/dlq/${id}/replay');
let loads = 0;
document.querySelector('iframe').addEventListener('load', () => {
  loads += 1;
  if (loads === 1) document.getElementById('bulk').submit();
  if (loads === 2) Promise.all(tries).then(() => { window.attackDone = true; });
});
document.getElementById('replay').submit();
</script></body></html>`;
}

/**
 * A same-origin page after DNS rebinding: it reads dead letters and replays and purges with
 * plain fetches (a made-up Bearer header included), then lists the statuses it got.
 */
function rebindingPage(id: string): string {
  return `<!doctype html><html><body><script>
const api = '/api/v2/publishing';
const json = { 'content-type': 'application/json' };
Promise.all([
  fetch(api + '/dlq'),
  fetch(api + '/dlq/${id}/replay', { method: 'POST', headers: json, body: '{}' }),
  fetch(api + '/dlq/${id}/replay', { method: 'POST', headers: { ...json, authorization: 'Bearer x' }, body: '{}' }),
  fetch(api + '/dlq/purge?older_than=1s', { method: 'DELETE' }),
]).then((answers) => { window.statuses = answers.map((a) => a.status); });
</script></body></html>`;
}

describe('the console without tokens, and a page of another origin', async () => {
  const skip = await consoleSkip();
  if (skip !== false) {
    it('runs in Chromium against PostgreSQL', { skip }, () => undefined);
    return;
  }
  let built: Awaited<ReturnType<typeof buildTempConsole>>;
  let stack: Stack;
  let browser: Browser;
  let evil: ReturnType<typeof createServer>;
  let evilPort: number;
  let id: string;

  before(async () => {
    built = await buildTempConsole();
    stack = await startStack(built.outDir, false);
    browser = await launchBrowser();
    const letters = await call(stack.app.url, 'GET', '/api/v2/publishing/dlq?target=broken');
    id = (letters.body as { entries: { id: string }[] }).entries[0]?.id ?? '';
    evil = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(attackPage(stack.app.url, id));
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    evilPort = (evil.address() as AddressInfo).port;
  });
  after(async () => {
    await browser.close();
    await new Promise<void>((resolve) => evil.close(() => resolve()));
    await stack.stop();
    await built.remove();
  });

  it('cannot replay, purge, delete or test through the browser of an operator on loopback', async () => {
    stack.broken.setDefault({ status: 200 });
    const page = await browser.newPage();
    // localhost and 127.0.0.1 are different sites: the page is cross-site to the service.
    await page.goto(`http://localhost:${evilPort}/attack.html`);
    await page.waitForFunction('window.attackDone === true');
    const entry = await call(stack.app.url, 'GET', `/api/v2/publishing/dlq/${id}`);
    assert.equal((entry.body as { replayed: boolean }).replayed, false);
    const stats = await call(stack.app.url, 'GET', '/api/v2/publishing/dlq/stats');
    assert.deepEqual(
      [(stats.body as { total: number }).total, (stats.body as { replayed: number }).replayed],
      [5, 0],
    );
    assert.equal(stack.broken.requests.length, 4, 'the target got only the four original attempts');
    await page.close();
  });

  it('cannot read, replay or purge from a page whose DNS name was re-pointed to 127.0.0.1', async () => {
    const port = new URL(stack.app.url).port;
    const origin = `http://rebind.evil.example:${port}`;
    // The name resolves to loopback, as after the rebinding; the page is what it served before.
    // Chromium's Private/Local Network Access would stop this page fetching loopback on its own;
    // other browsers have no such check, so it is switched off here to stand for them.
    const rebound = await launchBrowser([
      '--host-resolver-rules=MAP rebind.evil.example 127.0.0.1',
      '--disable-features=BlockInsecurePrivateNetworkRequests,LocalNetworkAccessChecks',
    ]);
    try {
      const page = await rebound.newPage();
      await page.route(`${origin}/attack.html`, (route) =>
        route.fulfill({ contentType: 'text/html', body: rebindingPage(id) }),
      );
      await page.goto(`${origin}/attack.html`);
      await page.waitForFunction('window.statuses !== undefined');
      assert.deepEqual(await page.evaluate('window.statuses'), [403, 403, 403, 403]);
    } finally {
      await rebound.close();
    }
    const entry = await call(stack.app.url, 'GET', `/api/v2/publishing/dlq/${id}`);
    assert.equal((entry.body as { replayed: boolean }).replayed, false);
    const stats = await call(stack.app.url, 'GET', '/api/v2/publishing/dlq/stats');
    assert.equal((stats.body as { total: number }).total, 5);
    assert.equal(stack.broken.requests.length, 4, 'the target got only the four original attempts');
  });

  it('lets the console itself replay from loopback without a token', async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const errors = watchErrors(page);
    await page.goto(`${stack.app.url}/ui/dead-letters/${id}`);
    await settled(page);
    await replayFromPage(page);
    await stack.broken.waitForRequests(5);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
