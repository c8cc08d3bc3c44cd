import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, posix } from 'node:path';

/**
 * Runs a Dockerfile without Docker, for tests: each stage gets a directory standing for its
 * root file system; COPY copies from the build context or from an earlier stage's directory,
 * RUN runs `sh -c` in the stage's WORKDIR (absolute paths of the image resolve under the
 * stage's directory). The last stage, the runtime image, may not RUN: what it holds is only
 * what it copies, so the test starting it runs what the image would.
 */
export interface Instruction {
  keyword: string;
  /** The rest of the line, continuations joined. */
  rest: string;
}

export interface Stage {
  name: string | undefined;
  base: string;
  /** Directory standing for the stage's `/`. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  exposed: string[];
  volumes: string[];
  /** Exec form only: argument vectors run without a shell. */
  healthcheck: string[] | undefined;
  cmd: string[] | undefined;
  runs: string[];
}

export function parseDockerfile(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), rest: rest.join(' ') };
    });
}

/** `["node", "x"]` → its strings; shell form is refused (signals would go to a shell). */
function execForm(text: string, what: string): string[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string'))
    throw new Error(`${what} must be in exec form (a JSON array of strings): ${text}`);
  return parsed.filter((item): item is string => typeof item === 'string');
}

/** `--from=build --chown=x a b dest` → flags and paths. */
function flagsOf(rest: string): { flags: Map<string, string>; paths: string[] } {
  const flags = new Map<string, string>();
  const paths: string[] = [];
  for (const word of rest.split(/\s+/)) {
    const flag = /^--([a-z-]+)=(.*)$/.exec(word);
    if (flag?.[1] !== undefined && flag[2] !== undefined) flags.set(flag[1], flag[2]);
    else paths.push(word);
  }
  return { flags, paths };
}

function envOf(rest: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, key = '', value = ''] of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g))
    env[key] = value;
  return env;
}

/** An absolute image path of `stage`, as a path on this machine. */
export function inStage(stage: Stage, imagePath: string): string {
  return join(stage.root, posix.resolve(stage.workdir, imagePath));
}

function copy(stage: Stage, rest: string, context: string, stages: Stage[]): void {
  const { flags, paths } = flagsOf(rest);
  const dest = paths.pop();
  if (dest === undefined || paths.length === 0) throw new Error(`COPY needs a source: ${rest}`);
  const fromName = flags.get('from');
  const from = fromName === undefined ? undefined : stages.find((s) => s.name === fromName);
  if (fromName !== undefined && from === undefined) throw new Error(`no stage ${fromName}`);
  const target = inStage(stage, dest);
  const intoDirectory = dest.endsWith('/') || paths.length > 1;
  for (const source of paths) {
    const path = from === undefined ? join(context, source) : inStage(from, source);
    if (statSync(path).isDirectory()) cpSync(path, target, { recursive: true });
    else {
      const file = intoDirectory ? join(target, basename(path)) : target;
      mkdirSync(join(file, '..'), { recursive: true });
      cpSync(path, file);
    }
  }
}

/** Runs every stage; returns them, the runtime image last. */
export function runDockerfile(dockerfile: string, context: string, workDir: string): Stage[] {
  const stages: Stage[] = [];
  const instructions = parseDockerfile(readFileSync(dockerfile, 'utf8'));
  const last = instructions.filter((i) => i.keyword === 'FROM').length;
  for (const { keyword, rest } of instructions) {
    if (keyword === 'FROM') {
      const [base = '', as, name] = rest.split(/\s+/);
      const root = join(workDir, `stage-${stages.length}`);
      mkdirSync(root, { recursive: true });
      stages.push({
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        base,
        root,
        workdir: '/',
        env: {},
        user: undefined,
        exposed: [],
        volumes: [],
        healthcheck: undefined,
        cmd: undefined,
        runs: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`${keyword} before FROM`);
    switch (keyword) {
      case 'WORKDIR':
        stage.workdir = posix.resolve(stage.workdir, rest);
        mkdirSync(inStage(stage, '.'), { recursive: true });
        break;
      case 'ENV':
        Object.assign(stage.env, envOf(rest));
        break;
      case 'COPY':
        copy(stage, rest, context, stages);
        break;
      case 'RUN': {
        if (stages.length === last) throw new Error(`the runtime stage runs "${rest}"`);
        stage.runs.push(rest);
        const run = spawnSync('sh', ['-c', rest], {
          cwd: inStage(stage, '.'),
          env: { ...process.env, ...stage.env },
          encoding: 'utf8',
        });
        if (run.status !== 0)
          throw new Error(
            `RUN ${rest} failed (${String(run.status)}):\n${run.stdout}${run.stderr}`,
          );
        break;
      }
      case 'USER':
        stage.user = rest;
        break;
      case 'EXPOSE':
        stage.exposed.push(...rest.split(/\s+/));
        break;
      case 'VOLUME':
        stage.volumes.push(
          ...(rest.startsWith('[') ? execForm(rest, 'VOLUME') : rest.split(/\s+/)),
        );
        mkdirSync(inStage(stage, stage.volumes.at(-1) ?? '/'), { recursive: true });
        break;
      case 'HEALTHCHECK': {
        const at = rest.indexOf('CMD ');
        if (at < 0) throw new Error(`HEALTHCHECK without CMD: ${rest}`);
        stage.healthcheck = execForm(rest.slice(at + 'CMD '.length), 'HEALTHCHECK CMD');
        break;
      }
      case 'CMD':
        stage.cmd = execForm(rest, 'CMD');
        break;
      default:
        throw new Error(`this runner does not know ${keyword}`);
    }
  }
  return stages;
}
