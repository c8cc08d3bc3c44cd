import { openPglite } from './pglite-db.js';

/**
 * Child-process entry (see createPgliteDb): creates the embedded database in the directory
 * given as the only argument, then exits, returning initdb's memory to the system. A failure
 * is one line on stderr and exit code 1; the parent puts the line in its error.
 */
const dataDir = process.argv[2];
if (dataDir === undefined || dataDir === '') {
  process.stderr.write('usage: pglite-initdb <data directory>\n');
  process.exitCode = 2;
} else {
  try {
    const pglite = await openPglite(dataDir);
    await pglite.close();
  } catch (error: unknown) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
