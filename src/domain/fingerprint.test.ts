import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fingerprintOf } from './fingerprint.js';

/** The textbook FNV-1a 64 on BigInt, as an independent reference. */
function referenceFingerprint(labels: Record<string, string>): string {
  let hash = 0xcbf29ce484222325n;
  const add = (byte: number): void => {
    hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  };
  const encoder = new TextEncoder();
  for (const name of Object.keys(labels).sort()) {
    for (const byte of encoder.encode(name)) add(byte);
    add(0xff);
    for (const byte of encoder.encode(labels[name] ?? '')) add(byte);
    add(0xff);
  }
  return hash.toString(16).padStart(16, '0');
}

describe('fingerprintOf', () => {
  it('equals a BigInt FNV-1a 64 reference on many label sets, non-ASCII included', () => {
    let seed = 42;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    const alphabet = 'abcdefghijklmnopqrstuvwxyz_0123456789:/.-é€😀';
    const word = (): string =>
      Array.from({ length: 1 + (next() % 12) }, () => alphabet[next() % alphabet.length]).join('');
    for (let i = 0; i < 2000; i += 1) {
      const labels: Record<string, string> = {};
      for (let j = 0; j < next() % 8; j += 1) labels[`l${word()}`] = word();
      assert.equal(fingerprintOf(labels), referenceFingerprint(labels), JSON.stringify(labels));
    }
  });

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
