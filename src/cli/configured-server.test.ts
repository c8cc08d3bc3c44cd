import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseConfig } from '../config/load-config.js';
import { AppError } from '../domain/errors.js';
import { configuredServerOf } from './configured-server.js';

function urlFor(server: string): string {
  return configuredServerOf(
    parseConfig(`server: ${server}\n`, { env: {}, source: 'x.yaml' }),
    'x.yaml',
  ).url;
}

describe('the server a config describes', () => {
  it('is on loopback when server.host binds every address', () => {
    assert.equal(urlFor('{ port: 9090 }'), 'http://127.0.0.1:9090');
    assert.equal(urlFor('{ host: "::", port: 9090 }'), 'http://127.0.0.1:9090');
    assert.equal(urlFor('{ host: "0:0:0:0:0:0:0:0", port: 9090 }'), 'http://127.0.0.1:9090');
  });

  it('is on server.host when it names one address, IPv6 in brackets', () => {
    assert.equal(urlFor('{ host: 10.1.2.3, port: 9090 }'), 'http://10.1.2.3:9090');
    assert.equal(urlFor('{ host: "::1", port: 9090 }'), 'http://[::1]:9090');
    assert.equal(urlFor('{ host: localhost, port: 9090 }'), 'http://localhost:9090');
  });

  it('refuses port 0, naming server.port', () => {
    assert.throws(
      () => urlFor('{ port: 0 }'),
      (error: unknown) =>
        error instanceof AppError &&
        error.code === 'invalid_config' &&
        error.details[0]?.path === 'server.port',
    );
  });
});
