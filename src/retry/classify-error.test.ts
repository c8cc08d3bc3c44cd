import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classifyError } from './classify-error.js';

function withCode(code: string, message = 'whatever the text says'): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyError', () => {
  const cases: Array<[string, string]> = [
    ['ECONNREFUSED', 'transient/network'],
    ['ECONNRESET', 'transient/network'],
    ['EPIPE', 'transient/network'],
    ['ETIMEDOUT', 'transient/timeout'],
    ['EAI_AGAIN', 'transient/network'],
    ['ENOTFOUND', 'transient/network'],
    ['EHOSTUNREACH', 'transient/network'],
    ['ENETUNREACH', 'transient/network'],
    ['UND_ERR_CONNECT_TIMEOUT', 'transient/timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'transient/timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'transient/timeout'],
    ['UND_ERR_SOCKET', 'transient/network'],
    ['CERT_HAS_EXPIRED', 'permanent/network'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'permanent/network'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'permanent/network'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'permanent/network'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'permanent/network'],
    ['ERR_SOMETHING_NEW', 'unknown/internal'],
  ];
  for (const [code, want] of cases) {
    it(`${code} → ${want}`, () => {
      const c = classifyError(withCode(code));
      assert.equal(`${c.type}/${c.reason}`, want);
      assert.equal(c.code, code);
    });
  }

  it('never reads the message: a refused-looking text without a code is unknown', () => {
    const c = classifyError(new Error('connect ECONNREFUSED 127.0.0.1:1'));
    assert.equal(`${c.type}/${c.reason}`, 'unknown/internal');
  });

  it('finds the code in the cause chain', () => {
    const c = classifyError(new TypeError('fetch failed', { cause: withCode('ECONNRESET') }));
    assert.equal(`${c.type}/${c.reason}`, 'transient/network');
  });

  it('finds the code among AggregateError members (IPv4 and IPv6 both refused)', () => {
    const c = classifyError(
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]),
    );
    assert.equal(c.code, 'ECONNREFUSED');
  });

  it('reports an aborted attempt as a transient timeout, whatever was thrown', () => {
    const controller = new AbortController();
    controller.abort(new DOMException('attempt timed out', 'TimeoutError'));
    const c = classifyError(withCode('UND_ERR_ABORTED'), controller.signal);
    assert.deepEqual(c, { type: 'transient', reason: 'timeout', code: 'TimeoutError' });
  });

  it('reports an AbortSignal.timeout error as a timeout', () => {
    const c = classifyError(new DOMException('The operation timed out', 'TimeoutError'));
    assert.equal(`${c.type}/${c.reason}`, 'transient/timeout');
  });

  it('classifies non-errors as unknown/internal', () => {
    for (const thrown of ['boom', 42, null, undefined, {}]) {
      assert.equal(classifyError(thrown).reason, 'internal');
    }
  });
});
