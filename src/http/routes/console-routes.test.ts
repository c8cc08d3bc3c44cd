import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';

import { request } from 'undici';

import { createFakeDeps } from '../../../test/support/service-fakes.js';
import type { RunningServer } from '../../../test/support/service-http.js';
import { startServer } from '../../../test/support/service-http.js';
import { loadStaticAssets } from '../static-assets.js';

const INDEX =
  '<!doctype html><title>console</title><script src="/ui/assets/app-ABCD2345.js"></script>';
const SCRIPT = 'console.log("app");';

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, body };
}

describe('the console at /ui/', () => {
  let dir: string;
  let running: RunningServer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'console-assets-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), INDEX);
    await writeFile(join(dir, 'assets', 'app-ABCD2345.js'), SCRIPT);
    await writeFile(join(dir, 'assets', 'app-ABCD2345.css'), 'body{}');
    await writeFile(join(dir, 'favicon.svg'), '<svg/>');
    const consoleAssets = await loadStaticAssets(dir);
    assert.ok(consoleAssets !== undefined);
    running = await startServer(createFakeDeps({ consoleAssets }));
  });
  after(async () => {
    await running.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html for /ui/ and for any page path, revalidated on each load', async () => {
    for (const path of [
      '/ui/',
      '/ui/dead-letters',
      '/ui/jobs/0b7c6a4e-5f55-4c55-9c1e-3f2a8e2f7b10',
    ]) {
      const res = await get(`${running.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(res.body.toString(), INDEX);
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(res.headers['cache-control'], 'no-cache');
    }
  });

  it('serves hashed assets with their content type, cached for ever, gzipped when accepted', async () => {
    const plain = await get(`${running.url}/ui/assets/app-ABCD2345.js`);
    assert.equal(plain.body.toString(), SCRIPT);
    assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
    const zipped = await get(`${running.url}/ui/assets/app-ABCD2345.js`, {
      'accept-encoding': 'gzip, br',
    });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(zipped.body).toString(), SCRIPT);
    const css = await get(`${running.url}/ui/assets/app-ABCD2345.css`);
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const svg = await get(`${running.url}/ui/favicon.svg`);
    assert.deepEqual(
      [svg.headers['content-type'], svg.headers['cache-control']],
      ['image/svg+xml', 'no-cache'],
    );
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await get(`${running.url}/ui/`);
    const etag = String(first.headers['etag']);
    const second = await get(`${running.url}/ui/`, { 'if-none-match': etag });
    assert.equal(second.status, 304);
    assert.equal(second.body.length, 0);
  });

  it('sends a content security policy that allows only its own scripts and forbids framing', async () => {
    const res = await get(`${running.url}/ui/`);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });

  it('answers 404 for a file that is not part of the console', async () => {
    const res = await get(`${running.url}/ui/assets/missing-ABCD2345.js`);
    assert.equal(res.status, 404);
  });

  it('never serves a file outside the console, however the path is spelled', async () => {
    const paths = [
      '/ui/../package.json',
      '/ui/%2e%2e/package.json',
      '/ui/..%2fpackage.json',
      '/ui/assets/..%2f..%2f..%2fpackage.json',
      '/ui/%2e%2e%2f%2e%2e%2fsrc%2fapp.ts',
      '/ui/..\\..\\package.json',
    ];
    for (const path of paths) {
      const res = await get(`${running.url}${path}`);
      const text = res.body.toString();
      assert.ok(!text.includes('"dependencies"') && !text.includes('createApp'), path);
      assert.ok([200, 404].includes(res.status), `${path}: ${res.status}`);
    }
  });

  it('redirects / and /ui to /ui/', async () => {
    const root = await get(`${running.url}/`);
    const ui = await get(`${running.url}/ui`);
    assert.deepEqual([root.status, root.headers['location']], [302, '/ui/']);
    assert.deepEqual([ui.status, ui.headers['location']], [308, '/ui/']);
  });
});

describe('the console before it is built', () => {
  let running: RunningServer;

  before(async () => {
    const consoleAssets = await loadStaticAssets(join(tmpdir(), 'no-such-console-dir'));
    assert.equal(consoleAssets, undefined);
    running = await startServer(createFakeDeps());
  });
  after(async () => running.close());

  it('answers 503 with how to build it', async () => {
    const res = await get(`${running.url}/ui/`);
    assert.equal(res.status, 503);
    assert.match(res.body.toString(), /npm run build/);
  });
});
