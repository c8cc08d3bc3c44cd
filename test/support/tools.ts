import { spawnSync } from 'node:child_process';

/**
 * External tools the deploy tests run (promtool, amtool): a test needing one is skipped with a
 * message when it is missing, and fails under CI=true, where .ci/run installs it.
 */
export function toolSkip(command: string, debianPackage: string): string | false {
  if (isInstalled(command)) return false;
  if (process.env['CI'] === 'true')
    throw new Error(
      `CI=true: ${command} must be installed (Debian package ${debianPackage}, see .ci/run)`,
    );
  return `${command} is not installed (apt-get install -y ${debianPackage})`;
}

function isInstalled(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export interface ToolRun {
  status: number | null;
  output: string;
}

/** Runs a tool to completion; stdout and stderr together, for assertion messages. */
export function runTool(command: string, args: readonly string[], cwd?: string): ToolRun {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
