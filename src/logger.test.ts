import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';

import { createSecretMask } from './domain/secret-mask.js';
import { createLogger } from './logger.js';

function collect(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, lines };
}

it('hides configured secrets anywhere in a log line: message, error, nested field', () => {
  const { stream, lines } = collect();
  const logger = createLogger('info', {
    destination: stream,
    mask: createSecretMask(['Bearer S3CR3T-AAA', 'pa"ss\\word']),
  });
  logger.warn(
    { err: new Error('target said: rejected token S3CR3T-AAA'), detail: { raw: 'pa"ss\\word' } },
    'delivery failed for S3CR3T-AAA',
  );
  const [line = ''] = lines;
  assert.doesNotMatch(line, /S3CR3T-AAA|pa\\"ss/);
  const parsed: unknown = JSON.parse(line);
  assert.equal(Reflect.get(Object(parsed), 'msg'), 'delivery failed for [REDACTED]');
  assert.match(line, /rejected token \[REDACTED\]/);
  assert.match(line, /"raw":"\[REDACTED\]"/);
});
