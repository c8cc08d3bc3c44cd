/**
 * `npm run bench -- NAME [NAME…]` runs bench/scenarios/NAME.ts; with no name it lists them.
 * Each scenario prints its configuration, the median of at least 5 runs and its ratios.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const scenariosDir = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');
const available = readdirSync(scenariosDir)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -3))
  .sort();

const names = process.argv.slice(2);
if (names.length === 0) {
  console.log(`usage: npm run bench -- NAME…\nscenarios: ${available.join(', ')}`);
  process.exit(0);
}
for (const name of names) {
  if (!available.includes(name)) {
    console.error(`unknown scenario "${name}"; scenarios: ${available.join(', ')}`);
    process.exit(2);
  }
}
for (const name of names) {
  console.log(`\n## ${name}`);
  const scenario = (await import(pathToFileURL(join(scenariosDir, `${name}.ts`)).href)) as {
    run: () => Promise<void>;
  };
  await scenario.run();
}
