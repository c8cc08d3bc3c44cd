import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { proxySettingsOf } from './proxy-env.js';

describe('proxySettingsOf', () => {
  it('reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY', () => {
    const env = {
      HTTP_PROXY: 'http://proxy:3128',
      HTTPS_PROXY: 'http://secure-proxy:3128',
      NO_PROXY: 'localhost,.internal',
    };
    assert.deepEqual(proxySettingsOf(env), {
      httpProxy: 'http://proxy:3128',
      httpsProxy: 'http://secure-proxy:3128',
      noProxy: 'localhost,.internal',
    });
  });

  it('prefers the lower-case variables when both forms are set', () => {
    const env = {
      http_proxy: 'http://lower:1',
      HTTP_PROXY: 'http://upper:1',
      https_proxy: 'http://lower:2',
      HTTPS_PROXY: 'http://upper:2',
      no_proxy: 'lower.example',
      NO_PROXY: 'upper.example',
    };
    assert.deepEqual(proxySettingsOf(env), {
      httpProxy: 'http://lower:1',
      httpsProxy: 'http://lower:2',
      noProxy: 'lower.example',
    });
  });

  it('gives empty settings when none is set', () => {
    assert.deepEqual(proxySettingsOf({ PATH: '/usr/bin' }), {
      httpProxy: '',
      httpsProxy: '',
      noProxy: '',
    });
  });
});
