/**
 * Builds the operator console (ui/) into dist/ui/: one minified ES module and one stylesheet
 * with content-hashed names (cached for ever), index.html naming them, the icon. Run by
 * `npm run build`, `npm start` and `npm test`; takes well under a second.
 *   node --import tsx scripts/build-ui.ts [outDir]
 */
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_OUT_DIR = join(ROOT, 'dist', 'ui');

export interface ConsoleBuild {
  outDir: string;
  /** Asset file name → gzipped bytes. */
  gzippedBytes: Record<string, number>;
}

function outputNamed(outputs: string[], extension: string): string {
  const found = outputs.find((path) => path.endsWith(extension));
  if (found === undefined) throw new Error(`esbuild produced no ${extension} file`);
  return basename(found);
}

export async function buildConsole(outDir = DEFAULT_OUT_DIR): Promise<ConsoleBuild> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, 'assets'), { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { app: 'ui/src/main.ts', styles: 'ui/styles.css' },
    outdir: join(outDir, 'assets'),
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    platform: 'browser',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs);
  const script = outputNamed(outputs, '.js');
  const styles = outputNamed(outputs, '.css');
  const template = await readFile(join(ROOT, 'ui', 'index.html'), 'utf8');
  await writeFile(
    join(outDir, 'index.html'),
    template.replace('%SCRIPT%', script).replace('%STYLES%', styles),
  );
  await copyFile(join(ROOT, 'ui', 'favicon.svg'), join(outDir, 'favicon.svg'));
  const gzippedBytes: Record<string, number> = {};
  for (const name of [script, styles]) {
    gzippedBytes[name] = gzipSync(await readFile(join(outDir, 'assets', name))).length;
  }
  return { outDir, gzippedBytes };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildConsole(
    process.argv[2] === undefined ? undefined : resolve(process.argv[2]),
  );
  const sizes = Object.entries(built.gzippedBytes)
    .map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(1)} KiB gzipped`)
    .join(', ');
  console.log(`console built in ${built.outDir}: ${sizes}`);
}
