import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

import type { StaticAsset } from './ports.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** esbuild's `[name]-[hash]` names: eight or more base32 characters before the extension. */
const HASHED = /-[A-Z0-9]{8,}\.[a-z0-9]+$/;

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Reads every file under `dir` into memory (the console is ~100 KB), keyed by its path relative
 * to `dir` with `/` separators, each gzipped once. Serving from this map means a URL can only
 * ever name one of these files: no path from a request reaches the file system. Resolves
 * undefined when `dir` does not exist (the console was not built).
 */
export async function loadStaticAssets(
  dir: string,
): Promise<ReadonlyMap<string, StaticAsset> | undefined> {
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch (error: unknown) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw new Error(`cannot list the console's files in ${dir}`, { cause: error });
  }
  const assets = new Map<string, StaticAsset>();
  for (const name of names.sort()) {
    const path = join(dir, name);
    let body: Buffer;
    try {
      body = await readFile(path);
    } catch (error: unknown) {
      if (error instanceof Error && 'code' in error && error.code === 'EISDIR') continue;
      throw new Error(`cannot read the console's file ${path}`, { cause: error });
    }
    const key = relative(dir, path).split(sep).join('/');
    assets.set(key, {
      contentType: contentTypeOf(key),
      body,
      gzipped: gzipSync(body, { level: 9 }),
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      immutable: HASHED.test(key),
    });
  }
  return assets;
}
