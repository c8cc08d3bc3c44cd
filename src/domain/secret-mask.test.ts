import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { snippet, SNIPPET_CHARS } from '../publishers/outcome.js';
import { truncate } from '../publishers/truncate.js';
import { REDACTED } from './redact.js';
import {
  createSecretMask,
  createSecretMasks,
  MIN_SECRET_CHARS,
  secretForms,
} from './secret-mask.js';

/** Characters that are not in "[REDACTED]", so a marker can never complete a secret. */
const SECRET_CHARS = [...'abfghijklmnopqrsuvwxyz0123456789-_.~+/=:@!$%^&*(){}|\\"\'<> é𝄞'];
const aSecret = fc
  .array(fc.constantFrom(...SECRET_CHARS), { minLength: MIN_SECRET_CHARS, maxLength: 24 })
  .map((chars) => chars.join(''));
const filler = fc.string({ unit: 'grapheme', maxLength: 30 });

/** Text made of filler and secrets (whole, or cut at either end), in any order. */
const textWith = (secrets: readonly string[]) =>
  fc
    .array(
      fc.oneof(
        filler,
        fc.constantFrom(...secrets),
        fc.constantFrom(...secrets).map((s) => s.slice(1)),
        fc.constantFrom(...secrets).map((s) => s.slice(0, -1)),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join(''));

describe('createSecretMask', () => {
  it('hides a token a target echoes back from a header credential (issue 14, defect 3)', () => {
    const mask = createSecretMask(['Bearer S3CR3T-AAA']);
    assert.equal(
      mask('rejected token S3CR3T-AAA (header "Bearer S3CR3T-AAA")'),
      `rejected token ${REDACTED} (header "${REDACTED}")`,
    );
  });

  it('hides the password of a Basic credential, decoded or not, and a bare signing key', () => {
    const basic = `Basic ${Buffer.from('bob:hunter22').toString('base64')}`;
    const mask = createSecretMask([basic, 'whsec_QUJDREVGR0g=']);
    assert.equal(mask('user bob:hunter22 / hunter22'), `user ${REDACTED} / ${REDACTED}`);
    assert.equal(mask('key QUJDREVGR0g='), `key ${REDACTED}`);
  });

  it('hides URL-encoded and JSON-escaped forms (log lines are JSON)', () => {
    const mask = createSecretMask(['a/b "c"']);
    assert.equal(
      mask(`${encodeURIComponent('a/b "c"')} ${JSON.stringify({ v: 'a/b "c"' })}`),
      `${REDACTED} {"v":"${REDACTED}"}`,
    );
  });

  it('covers overlapping secrets whole: no end of one is left visible', () => {
    const mask = createSecretMask(['abcdefgh', 'efghijkl']);
    assert.equal(mask('xx abcdefghijkl yy'), `xx ${REDACTED} yy`);
  });

  it('masks the secrets a reload adds, and still those it started with', () => {
    const masks = createSecretMasks(['old-token-1']);
    const { mask } = masks;
    masks.add(['Bearer new-token-2']);
    assert.equal(mask('old-token-1 new-token-2'), `${REDACTED} ${REDACTED}`);
  });

  it('ignores secrets shorter than 4 characters and is the identity without secrets', () => {
    assert.equal(createSecretMask(['ab', ''])('ab cab'), 'ab cab');
    assert.deepEqual(secretForms('abc'), []);
  });

  it('property: no configured secret, in any of its forms, survives in any text', () => {
    fc.assert(
      fc.property(
        fc
          .array(aSecret, { minLength: 1, maxLength: 4 })
          .chain((secrets) =>
            fc.tuple(fc.constant(secrets), textWith(secrets.flatMap(secretForms))),
          ),
        ([secrets, text]) => {
          const masked = createSecretMask(secrets)(text);
          for (const form of secrets.flatMap(secretForms)) {
            assert.ok(
              !masked.includes(form),
              `${JSON.stringify(form)} in ${JSON.stringify(masked)}`,
            );
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('property: text without secrets is unchanged', () => {
    fc.assert(
      fc.property(fc.array(aSecret, { maxLength: 4 }), filler, (secrets, text) => {
        fc.pre(secrets.flatMap(secretForms).every((form) => !text.includes(form)));
        assert.equal(createSecretMask(secrets)(text), text);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: a secret across the snippet cut leaves none of its characters (defect 4)', () => {
    fc.assert(
      fc.property(aSecret, fc.integer({ min: 0, max: 40 }), (secret, before) => {
        // The secret starts `before` characters ahead of the cut; '#' is not a secret character.
        const body = `${'#'.repeat(SNIPPET_CHARS - before)}${secret}${'#'.repeat(50)}`;
        const cut = snippet(body, createSecretMask([secret]));
        assert.ok(cut.length <= SNIPPET_CHARS);
        const visible = cut.replace(REDACTED, '').replace(/#/g, '').replace(/…$/, '');
        // Nothing is left but, at most, the start of the marker the cut went through.
        assert.ok(REDACTED.startsWith(visible), JSON.stringify(cut));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('truncate', () => {
  it('never leaves half a surrogate pair at the cut', () => {
    assert.equal(truncate(`${'a'.repeat(8)}𝄞tail`, 10), `${'a'.repeat(8)}…`);
    assert.equal(truncate('abcdef', 4), 'abc…');
  });
});
