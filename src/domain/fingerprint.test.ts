import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fingerprintOf } from './fingerprint.js';

describe('fingerprintOf', () => {
  it('gives the FNV-1a 64 offset basis for an empty label set, as Alertmanager does', () => {
    assert.equal(fingerprintOf({}), 'cbf29ce484222325');
  });

  it('does not depend on label order', () => {
    assert.equal(fingerprintOf({ a: '1', b: '2' }), fingerprintOf({ b: '2', a: '1' }));
  });

  it('separates names from values so shifted boundaries differ', () => {
    assert.notEqual(fingerprintOf({ ab: 'c' }), fingerprintOf({ a: 'bc' }));
  });

  it('prints 16 lower-case hex digits', () => {
    assert.match(fingerprintOf({ alertname: 'Up', job: 'node' }), /^[0-9a-f]{16}$/);
  });
});
