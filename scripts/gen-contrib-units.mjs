// Regenerates src/render/contrib-units.ts from contrib/systemd/, so that `muster render` (also
// the single executable, which carries no contrib/ directory) embeds exactly the units the
// package ships. `npm run gen:units`; a test checks the module is current.
import { readdir, readFile, writeFile } from 'node:fs/promises';

export async function contribUnitsModule() {
  const names = (await readdir('contrib/systemd')).filter((name) => /\.(service|timer|conf)$/.test(name)).sort();
  const entries = [];
  for (const name of names) entries.push(`  ${JSON.stringify(name)}: ${JSON.stringify(await readFile(`contrib/systemd/${name}`, 'utf8'))},`);
  return `// Generated from contrib/systemd/ by scripts/gen-contrib-units.mjs (npm run gen:units): do not edit.\nexport const CONTRIB_UNITS: Readonly<Record<string, string>> = {\n${entries.join('\n')}\n};\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = 'src/render/contrib-units.ts';
  const text = await contribUnitsModule();
  const current = await readFile(path, 'utf8').catch(() => '');
  if (current !== text) await writeFile(path, text);
  console.log(current === text ? `${path} is current` : `${path} updated`);
}
