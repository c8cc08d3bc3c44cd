/** One problem in a configuration: `targets[2].url: must be an http:// or https:// URL`. */
export interface ConfigProblem {
  /** Key path such as `queue.workers` or `targets[1].match[0]`; empty for the whole file. */
  path: string;
  message: string;
}

/** A configuration that cannot be used; lists every problem found, never a stack trace. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  readonly source: string;
  readonly problems: readonly ConfigProblem[];

  constructor(source: string, problems: readonly ConfigProblem[]) {
    super(
      `invalid configuration (${source}):\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.source = source;
    this.problems = problems;
  }
}

export function formatProblem(problem: ConfigProblem): string {
  return problem.path === '' ? problem.message : `${problem.path}: ${problem.message}`;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['targets', 2, 'url']` → `targets[2].url`; odd keys (header names with dots) are quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      if (PLAIN_KEY.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}
