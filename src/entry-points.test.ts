import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

/**
 * The process entry points load nothing before the SIGHUP listener of hangup-while-loading.ts:
 * a static import is loaded before any code of the module runs, and the service's modules take
 * about a second, during which a SIGHUP's default action killed the process silently. Only
 * type imports (erased) may sit beside it; the rest is imported dynamically.
 */
for (const entry of ['main.ts', 'cli-main.ts']) {
  test(`${entry} imports only the SIGHUP listener before loading the rest`, async () => {
    const source = await readFile(new URL(entry, import.meta.url), 'utf8');
    const imports = [...source.matchAll(/^import\s+(?!type\b)[^;]*?['"]([^'"]+)['"];/gms)].map(
      (match) => match[1],
    );
    assert.deepEqual(imports, ['./hangup-while-loading.js']);
  });
}
