import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The package root and bin/alert-publisher.js, run as users run them. */
export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'alert-publisher.js');

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node …args` from the package root; DATABASE_URL only if `env` sets it. Real time, bounded. */
export function run(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...env, DATABASE_URL: env['DATABASE_URL'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not exit within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
