import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

import type { ConfigProblem } from './config-error.js';
import { ConfigError, formatPath } from './config-error.js';
import { unquotedFlowReferences } from './flow-interpolation.js';
import type { Env } from './interpolate.js';
import { interpolateDocument } from './interpolate.js';
import type { Config } from './schema.js';
import { configSchema } from './schema.js';

/** The bundled default (`npm start` with no config); `../../` holds from src/config and dist/config. */
export const BUNDLED_CONFIG_PATH = fileURLToPath(
  new URL('../../examples/alert-publisher.yaml', import.meta.url),
);

/**
 * Environment overrides, applied after the file (docs/configuration.md). The container image
 * sets ALERT_PUBLISHER_DATA_DIR to its /data volume, so a mounted config needs no data_dir.
 */
export const ENV_OVERRIDES = [
  { variable: 'DATABASE_URL', path: ['storage', 'database_url'] },
  { variable: 'PORT', path: ['server', 'port'] },
  { variable: 'ALERT_PUBLISHER_API_TOKEN', path: ['auth', 'api_token'] },
  { variable: 'ALERT_PUBLISHER_DATA_DIR', path: ['storage', 'data_dir'] },
] as const;

/** Names the config file when `--config` does not. */
export const CONFIG_PATH_VARIABLE = 'ALERT_PUBLISHER_CONFIG';

export interface LoadConfigOptions {
  /** From `--config`; else ALERT_PUBLISHER_CONFIG; else the bundled example. */
  path?: string | undefined;
  env: Env;
}

export function configPathOf(options: LoadConfigOptions): string {
  const fromEnv = options.env[CONFIG_PATH_VARIABLE];
  if (options.path !== undefined && options.path !== '') return options.path;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return BUNDLED_CONFIG_PATH;
}

/** Reads, interpolates, overrides and validates the configuration; throws ConfigError. */
export function loadConfig(options: LoadConfigOptions): Config {
  const path = configPathOf(options);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(path, [{ path: '', message: `cannot read the file: ${reason}` }]);
  }
  return parseConfig(text, { env: options.env, source: path });
}

/** Parses configuration text (YAML); `source` names it in errors. Throws ConfigError. */
export function parseConfig(text: string, options: { env: Env; source: string }): Config {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, lineCounter });
  if (document.errors.length > 0) {
    throw new ConfigError(options.source, [
      ...document.errors.map((error) => {
        const at = lineCounter.linePos(error.pos[0]);
        const where = `line ${at.line}, column ${at.col}: `;
        return { path: '', message: `YAML syntax error: ${where}${error.message}` };
      }),
      ...unquotedFlowReferences(text).map((message) => ({ path: '', message })),
    ]);
  }
  const { problems: interpolationProblems, retyped } = interpolateDocument(document, options.env);
  const raw: unknown = document.toJS({ maxAliasCount: 100 }) ?? {};
  const overridden = applyEnvOverrides(raw, options.env);
  const parsed = configSchema.safeParse(raw, { error: messageOf });
  const interpolated = interpolationProblems.map((problem) => problem.path);
  const problems = [...interpolationProblems];
  if (!parsed.success) {
    // One problem per key (a missing variable is reported as such); zod may add a check's failure after a type error on the same key.
    const reported = new Set(interpolated);
    for (const problem of parsed.error.issues.flatMap((issue) => problemsOf(issue, retyped))) {
      if (reported.has(problem.path)) continue;
      reported.add(problem.path);
      problems.push(problem);
    }
  }
  if (parsed.success && problems.length === 0) return parsed.data;
  throw new ConfigError(
    options.source,
    problems.map((problem) => {
      const variable = overridden.get(problem.path);
      return variable === undefined
        ? problem
        : { path: problem.path, message: `${problem.message} (set by ${variable})` };
    }),
  );
}

/** Sets each override present in `env` on the raw object; returns key path → variable. */
function applyEnvOverrides(raw: unknown, env: Env): Map<string, string> {
  const applied = new Map<string, string>();
  if (!isRecord(raw)) return applied;
  for (const { variable, path } of ENV_OVERRIDES) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    const [section, key] = path;
    const block = raw[section] ?? {};
    if (!isRecord(block)) continue;
    block[key] = variable === 'PORT' && /^\d+$/.test(value) ? Number(value) : value;
    raw[section] = block;
    applied.set(formatPath(path), variable);
  }
  return applied;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `retyped`: interpolateDocument's, for the quoting hint of a reference that gave a number. */
function problemsOf(
  issue: z.core.$ZodIssue,
  retyped: ReadonlyMap<string, string>,
): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      message: 'unknown key',
    }));
  }
  if (issue.code === 'invalid_union') {
    // A key written in one of several forms (`rate_limit: 1/s` or `{ rate, burst }`): the form
    // of the value's type says what is wrong with it, not zod's "Invalid input".
    const typed = issue.errors.filter((form) => !form.every(isTypeMismatch));
    const [form] = typed;
    if (typed.length === 1 && form !== undefined) {
      return form.flatMap((inner) =>
        problemsOf({ ...inner, path: [...issue.path, ...inner.path] }, retyped),
      );
    }
  }
  const path = formatPath(issue.path);
  const reference =
    issue.code === 'invalid_type' && issue.expected === 'string' ? retyped.get(path) : undefined;
  return [{ path, message: reference ? `${issue.message}: "${reference}"` : issue.message }];
}

function isTypeMismatch(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'invalid_type' && issue.path.length === 0;
}

/**
 * Messages for issues the schema does not word itself. They name the type of a wrong value,
 * never the value: a secret YAML read as a number (an all-digit routing key or API key) would
 * otherwise reach the terminal, the reload's log line and its 422 answer.
 */
function messageOf(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'required';
    const got = kindOf(issue.input);
    // YAML reads unquoted 0x1f, 1e3, 0o17, true or 12345 as a number or boolean: never
    // converted back to text, whose spelling is lost (0x1f would become "31").
    return issue.expected === 'string' && (got === 'number' || got === 'boolean')
      ? `expected string, got ${got}: quote it`
      : `expected ${issue.expected}, got ${got}`;
  }
  if (
    issue.code === 'invalid_union' &&
    issue.discriminator !== undefined &&
    issue.inclusive !== false
  ) {
    // Which schema the other keys follow depends on this one: they are checked once it is valid.
    const options = (issue.options ?? []).map(String).join(', ');
    const given: unknown =
      typeof issue.input === 'object' && issue.input !== null
        ? Reflect.get(issue.input, issue.discriminator)
        : undefined;
    return given === undefined
      ? `required: one of ${options}`
      : `must be one of ${options}, got ${describeKind(given)} (the other keys are checked once it is valid)`;
  }
  if (issue.code === 'too_small' && issue.origin !== 'string' && issue.origin !== 'array') {
    return `must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${String(issue.minimum)}`;
  }
  if (issue.code === 'too_big' && issue.origin !== 'string' && issue.origin !== 'array') {
    return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}`;
  }
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map(String).join(', ')}`;
  }
  return undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** A misspelt kind (`type: webhok`) is quoted: it names a type, it never holds a secret. */
function describeKind(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : kindOf(value);
}
