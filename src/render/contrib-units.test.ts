import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTRIB_UNITS } from './contrib-units.js';

describe('the units render embeds', () => {
  it('are contrib/systemd\'s, byte for byte (run `npm run gen:units` after changing one)', async () => {
    const { contribUnitsModule } = (await import(new URL('../../scripts/gen-contrib-units.mjs', import.meta.url).href)) as { contribUnitsModule: () => Promise<string> };
    const { readFile } = await import('node:fs/promises');
    assert.equal(await readFile(new URL('./contrib-units.ts', import.meta.url), 'utf8'), await contribUnitsModule());
    assert.ok(CONTRIB_UNITS['muster-boot.service']?.includes('ExecStart=/usr/local/bin/muster'));
  });
});
