import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import type { FastifyInstance, FastifyRequest } from 'fastify';

import { findJsonSyntaxError } from './json-syntax.js';

/**
 * How request bodies are read (docs/security.md):
 * - JSON only, in UTF-8: another `charset` is a 415, not text decoded as the wrong charset.
 * - Parsed with JSON.parse, so `__proto__` and `constructor` keys are data (own properties):
 *   an alert with such a label is an alert like any other, never a reason to refuse the batch.
 *   Code that copies parsed maps defines keys (Object.fromEntries, spread), never assigns them.
 * - `Content-Encoding: gzip` is decompressed (proxies may add it); `body_limit` bounds the
 *   compressed and the decompressed size (413). Any other encoding is a 415.
 */
export class UnsupportedMediaType extends Error {
  readonly statusCode = 415;
  readonly code = 'unsupported_media_type';
}

/** A body that cannot be read: not JSON, empty, or not valid gzip data. */
export class UnreadableBody extends Error {
  readonly statusCode = 400;
}

const UTF8 = new Set(['utf-8', 'utf8']);
const GZIP = new Set(['gzip', 'x-gzip']);

export function registerRequestBodies(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (
      request: FastifyRequest,
      body: Buffer,
      done: (error: Error | null, value?: unknown) => void,
    ) => {
      const charset = charsetOf(request.headers['content-type'] ?? '');
      if (charset !== undefined && !UTF8.has(charset)) {
        done(new UnsupportedMediaType(`charset ${charset} is not supported: send UTF-8 JSON`));
        return;
      }
      if (body.length === 0) {
        done(badJson('the body is empty'));
        return;
      }
      let text = body.toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 byte order mark
      try {
        done(null, JSON.parse(text));
      } catch (error: unknown) {
        // A RangeError is nesting deeper than the parser's stack.
        if (!(error instanceof SyntaxError)) return done(badJson('it is nested too deeply'));
        const found = findJsonSyntaxError(text);
        done(
          badJson(found ? `${found.problem} at line ${found.line}, column ${found.column}` : ''),
        );
      }
    },
  );

  fastify.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = (request.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (encoding === '' || encoding === 'identity' || !hasBody(request)) return payload;
    if (!GZIP.has(encoding)) {
      throw new UnsupportedMediaType(
        `content-encoding ${encoding} is not supported: send the body as is or with gzip`,
      );
    }
    return gunzipped(payload);
  });
}

/**
 * The decompressed stream; `receivedEncodedLength` lets Fastify bound the bytes received. A
 * zlib error reaches Fastify as an error of this stream (errors.ts answers it with a 400).
 */
function gunzipped(payload: Readable): Readable {
  const decoded = createGunzip();
  let received = 0;
  Reflect.set(decoded, 'receivedEncodedLength', 0);
  payload.on('data', (chunk: Buffer) => {
    received += chunk.length;
    Reflect.set(decoded, 'receivedEncodedLength', received);
  });
  // Errors are delivered to Fastify as the stream's own 'error'; nothing more to do here.
  pipeline(payload, decoded, () => undefined);
  return decoded;
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}

/** The `charset` parameter of a content type, lower-cased and unquoted. */
export function charsetOf(contentType: string): string | undefined {
  for (const parameter of contentType.split(';').slice(1)) {
    const [name = '', value = ''] = parameter.split('=', 2).map((part) => part.trim());
    if (name.toLowerCase() === 'charset') return value.replace(/^"(.*)"$/, '$1').toLowerCase();
  }
  return undefined;
}

function badJson(why: string): Error {
  return new UnreadableBody(`the body is not valid JSON${why === '' ? '' : `: ${why}`}`);
}
