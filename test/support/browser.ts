import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

import { buildConsole } from '../../scripts/build-ui.js';
import type { ConsoleBuild } from '../../scripts/build-ui.js';

/** Debian's chromium (`apt-get install chromium`, done by .ci/run). */
export const CHROMIUM = '/usr/bin/chromium';

/** `skip` option for suites that need the browser: a failure under CI=true, a skip elsewhere. */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env['CI'] === 'true')
    throw new Error(`CI=true: ${CHROMIUM} must be installed (see .ci/run)`);
  return `${CHROMIUM} is not installed (apt-get install -y chromium)`;
}

/** `args`: more Chromium switches, e.g. `--host-resolver-rules=MAP name 127.0.0.1`. */
export function launchBrowser(args: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      ...args,
    ],
  });
}

/** The console built into a temporary folder, so a test never serves a stale dist/ui. */
export async function buildTempConsole(): Promise<ConsoleBuild & { remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'console-build-'));
  const built = await buildConsole(join(dir, 'ui'));
  return { ...built, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Script errors of a page: uncaught exceptions and console errors. Failed resource loads are
 * left out: the console probes optional APIs (the superseded state), an unknown alert answers 404, and Chromium logs
 * each 4xx answer as such an error.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (message.text().startsWith('Failed to load resource')) return;
    errors.push(`${page.url()}: console: ${message.text()}`);
  });
  return errors;
}
