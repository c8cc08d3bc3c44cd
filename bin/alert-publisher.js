#!/usr/bin/env node
// The package's bin: runs the compiled CLI when `npm run build` has produced it, else the
// TypeScript source through tsx, so `npx alert-publisher …` works in a fresh clone after `npm ci`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli-main.js');

if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'cli-main.ts')).href);
}
