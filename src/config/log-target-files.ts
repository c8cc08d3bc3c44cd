import { closeSync, openSync } from 'node:fs';

import type { ConfigProblem } from './config-error.js';
import { formatPath } from './config-error.js';
import type { TargetConfig } from './targets.js';

/**
 * Opens the file of each enabled log target for appending, as its publisher will on its first
 * delivery (src/publishers/log.ts), and closes it again, so that a directory that does not
 * exist or a file that cannot be written stops `serve` and a reload instead of dead-lettering
 * every delivery with reason `internal` (docs/configuration.md). This reads the filesystem: it
 * runs where the service starts and reloads (serve.ts), never in the schema, and creates the
 * file as the first delivery would. A disabled target is left alone: disabling it is how an
 * operator sets aside a target whose disk is gone.
 */
export function logTargetFileProblems(targets: readonly TargetConfig[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  targets.forEach((target, index) => {
    if (target.type !== 'log' || !target.enabled || target.path === 'stdout') return;
    try {
      closeSync(openSync(target.path, 'a'));
    } catch (error: unknown) {
      const reason = error instanceof Error ? error.message : String(error);
      problems.push({
        path: formatPath(['targets', index, 'path']),
        message: `cannot be opened for appending: ${reason}`,
      });
    }
  });
  return problems;
}
