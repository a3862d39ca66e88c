import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfigText } from '../config/load.js';
import { isMusterError } from '../core/errors.js';
import { unitsConfigSchema, type UnitsConfig } from './config-schema.js';
import { runUnitsStep } from './units-step.js';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const unit = (description: string): string => `[Unit]\nDescription=${description}\n\n[Service]\nExecStart=/bin/true\n`;

describe('the units step', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'muster-units-'));
    await mkdir(join(root, 'opt/units'), { recursive: true });
    await writeFile(join(root, 'opt/units/swarm-join.service'), unit('join the swarm'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  const config = (overrides: Partial<UnitsConfig> = {}): UnitsConfig =>
    unitsConfigSchema.parse({
      role: 'manager',
      list: [
        { name: 'docker-prep.service', content: unit('prepare docker') },
        { name: 'swarm-join.service', file: '/opt/units/swarm-join.service', sha256: sha(unit('join the swarm')) },
        { name: 'backup.timer', content: '[Timer]\nOnCalendar=daily\n', start: false },
        { name: 'registrator.service', content: unit('registrator') },
      ],
      ...overrides,
    });
  const run = (units: UnitsConfig, dryRun = false) => runUnitsStep({ units, root, dryRun, systemd: false });
  const read = (path: string) => readFile(join(root, 'etc/systemd/system', path), 'utf8');

  it('writes each unit and a target that makes systemd start them in list order', async () => {
    const lines = await run(config());
    assert.equal(await read('swarm-join.service'), unit('join the swarm'));
    assert.equal(await read('docker-prep.service.d/50-muster-order.conf'), '# Written by muster boot (units): started by muster-manager.target, in list order.\n[Unit]\nPartOf=muster-manager.target\n');
    assert.match(await read('swarm-join.service.d/50-muster-order.conf'), /^After=docker-prep\.service$/m);
    assert.match(await read('registrator.service.d/50-muster-order.conf'), /^After=swarm-join\.service$/m, 'a unit that is not started does not break the chain');
    await assert.rejects(read('backup.timer.d/50-muster-order.conf'), 'a unit with start: false is written, not started');
    const target = await read('muster-manager.target');
    assert.match(target, /^Wants=docker-prep\.service swarm-join\.service registrator\.service$/m);
    assert.match(target, /^After=docker-prep\.service swarm-join\.service registrator\.service$/m);
    assert.match(target, /^WantedBy=multi-user\.target$/m);
    assert.equal((await stat(join(root, 'etc/systemd/system/muster-manager.target'))).mode & 0o777, 0o644);
    assert.match(lines.at(-1) ?? '', /would run systemctl daemon-reload; systemctl enable muster-manager\.target; systemctl start muster-manager\.target$/);
  });

  it('changes nothing on a second boot: no file written, nothing restarted, no reload', async () => {
    const lines = await run(config());
    assert.deepEqual(lines, ['8 files unchanged', 'systemd is not running here (or root is not /): would run systemctl enable muster-manager.target; systemctl start muster-manager.target']);
  });

  it('restarts a started unit whose content changed, and only that one; a dry run writes nothing', async () => {
    const changed = config();
    const first = changed.list[0];
    assert.ok(first);
    first.content = unit('prepare docker, now with a registry mirror');
    const dry = await run(changed, true);
    assert.match(dry.join('\n'), /would write .*docker-prep\.service$/m);
    assert.equal(await read('docker-prep.service'), unit('prepare docker'));
    const lines = await run(changed);
    assert.equal(await read('docker-prep.service'), unit('prepare docker, now with a registry mirror'));
    assert.match(lines.at(-1) ?? '', /systemctl daemon-reload; .*; systemctl try-restart docker-prep\.service$/);
    assert.doesNotMatch(lines.at(-1) ?? '', /swarm-join/);
  });

  it('refuses a file that is not what its sha256 pinned, naming it, and writes nothing', async () => {
    await writeFile(join(root, 'opt/units/swarm-join.service'), unit('something else'));
    try {
      await run(config());
      assert.fail('expected a refusal');
    } catch (error) {
      assert.ok(isMusterError(error), String(error));
      assert.equal(error.code, 'UNITS_SHA256_MISMATCH');
      assert.match(error.message, /\/opt\/units\/swarm-join\.service has sha256 [0-9a-f]{64}, not the pinned/);
    } finally {
      await writeFile(join(root, 'opt/units/swarm-join.service'), unit('join the swarm'));
    }
  });

  it('checks the config: content or file, a file pinned, no unit twice, real unit names', () => {
    const problems = (list: unknown): string[] => {
      try {
        parseConfigText(`platform: { type: static, self: a, peers: [{ name: a, ip: 10.0.0.1 }] }\nunits: ${JSON.stringify({ list })}\n`, 'test.yaml');
      } catch (error) {
        return isMusterError(error) ? [...error.details] : [String(error)];
      }
      return [];
    };
    assert.match(problems([{ name: 'a.service' }]).join('\n'), /units\.list\[0\]\.content → give the unit as content or as file/);
    assert.match(problems([{ name: 'a.service', file: '/opt/a.service' }]).join('\n'), /units\.list\[0\]\.sha256 → a unit from a file must be pinned/);
    assert.match(problems([{ name: 'a.service', content: 'x' }, { name: 'a.service', content: 'y' }]).join('\n'), /units\.list\[1\]\.name → a\.service is listed twice/);
    assert.match(problems([{ name: 'a.txt', content: 'x' }]).join('\n'), /units\.list\[0\]\.name → must be a systemd unit name/);
  });
});
