import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { listenUrl } from './listen-url.js';

describe('listenUrl', () => {
  const cases: Array<[string, string]> = [
    ['0.0.0.0', 'http://127.0.0.1:8080'],
    ['::', 'http://[::1]:8080'],
    ['127.0.0.1', 'http://127.0.0.1:8080'],
    ['10.1.2.3', 'http://10.1.2.3:8080'],
    ['::1', 'http://[::1]:8080'],
    ['fd00::5', 'http://[fd00::5]:8080'],
  ];
  for (const [address, url] of cases) {
    it(`opens a server bound to ${address} at ${url}`, () => {
      assert.equal(listenUrl(address, 8080), url);
    });
  }
});
