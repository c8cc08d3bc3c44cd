import { createPgliteDb } from '../../src/db/pglite-db.js';

/**
 * Child-process entry for tests of the embedded database's lock: opens the database in the
 * directory given as the only argument and says `open <pid>` on stdout, then closes it when
 * stdin ends. A refused open is its message on stderr and exit code 1.
 */
const dataDir = process.argv[2];
if (dataDir === undefined || dataDir === '') {
  process.stderr.write('usage: hold-embedded-database <data directory>\n');
  process.exitCode = 2;
} else {
  try {
    const db = await createPgliteDb(dataDir);
    process.stdout.write(`open ${String(process.pid)}\n`);
    process.stdin.resume();
    await new Promise((resolve) => process.stdin.once('end', resolve));
    await db.close();
  } catch (error: unknown) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
