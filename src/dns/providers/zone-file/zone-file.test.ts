import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runDnsContract } from '../../../../test/contract/dns-contract.js';
import { parseRecordLines } from '../../../../test/support/bind9.js';
import { runProgram } from '../../../core/process.js';
import { canonicalRecordSet } from '../../record.js';
import { createZoneFileProvider } from './index.js';
import { nextSerial } from './serial.js';

const zone = 'example.test.';
const hasBind = runProgram('named-compilezone', ['-v']).then((r) => r.code === 0, () => false);

/** BIND's own reading of the file: it must load, and agree with list(). */
async function compile(path: string): Promise<string> {
  const result = await runProgram('named-compilezone', ['-f', 'text', '-F', 'text', '-s', 'full', '-o', '-', zone, path]);
  if (result.code !== 0) throw new Error(`named-compilezone rejected ${path}: ${result.stdout}${result.stderr}`);
  return result.stdout;
}

const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function tempZone(): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-zone-file-'));
  dirs.push(dir);
  return { dir, path: join(dir, 'db.example.test') };
}

runDnsContract('zone-file', async () => {
  const { path } = await tempZone();
  const provider = createZoneFileProvider({ type: 'zone-file', zone, path, nameservers: ['localhost.'], hostmaster: 'hostmaster' });
  const fixture = { provider };
  // An independent reader (BIND's zone loader), where BIND's tools are installed.
  return (await hasBind) ? { ...fixture, readBack: async () => parseRecordLines(await compile(path), zone) } : fixture;
});

describe('zone-file DNS provider', () => {
  const a = canonicalRecordSet({ name: 'node1', type: 'A', ttl: 60, values: ['10.0.0.1'] }, zone);

  it('keeps hand-written records of other types and reads standard syntax', async () => {
    const { path } = await tempZone();
    await writeFile(
      path,
      [
        '$TTL 1h',
        '@ IN SOA ns1.example.test. admin ( 2020010105 ; serial',
        '    3600 600 86400 60 )',
        '  IN NS ns1',
        '  3600 IN MX 10 mail',
        'ns1 IN A 10.0.0.53',
        '$ORIGIN sub.example.test.',
        'www 2m IN A 10.0.0.8 ; a comment',
        '    IN TXT "two " "strings" ; same owner',
        'alias IN 60 CNAME www',
        'host IN A 10.0.0.9',
        '@ IN MX 5 relay',
        '$ORIGIN example.test.',
        '_x._tcp 60 IN SRV 0 5 80 sub',
        '',
      ].join('\n'),
    );
    const provider = createZoneFileProvider({ type: 'zone-file', zone, path, nameservers: ['ns1'], hostmaster: 'hostmaster' });
    assert.deepEqual(await provider.list(), [
      canonicalRecordSet({ name: '_x._tcp', type: 'SRV', ttl: 60, values: ['0 5 80 sub'] }, zone),
      canonicalRecordSet({ name: 'alias.sub', type: 'CNAME', ttl: 60, values: ['www.sub'] }, zone),
      canonicalRecordSet({ name: 'host.sub', type: 'A', ttl: 3600, values: ['10.0.0.9'] }, zone),
      canonicalRecordSet({ name: 'ns1', type: 'A', ttl: 3600, values: ['10.0.0.53'] }, zone),
      canonicalRecordSet({ name: 'www.sub', type: 'A', ttl: 120, values: ['10.0.0.8'] }, zone),
      canonicalRecordSet({ name: 'www.sub', type: 'TXT', ttl: 3600, values: ['two strings'] }, zone),
    ]);
    await provider.apply({ create: [a], update: [], delete: [] });
    const text = await readFile(path, 'utf8');
    assert.match(text, /^example\.test\.\t3600\tIN\tMX\t10 mail$/m, 'the MX record is kept');
    assert.match(text, /^\$ORIGIN sub\.example\.test\.\nsub\.example\.test\.\t3600\tIN\tMX\t5 relay$/m, 'kept under the $ORIGIN it was written under');
    assert.match(text, /IN\tSOA\tns1\.example\.test\. admin\.example\.test\. \d+ 3600 600 86400 60$/m);
    if (await hasBind) assert.match(await compile(path), /MX\s+5 relay\.sub\.example\.test\./, 'BIND reads the MX target under the same origin as before');
    assert.equal((await provider.list()).length, 7);
  });

  it('raises the SOA serial on every change, and writes nothing for a no-op', async () => {
    const { path } = await tempZone();
    let today = new Date('2024-05-06T12:00:00Z');
    const nameservers = [{ name: 'ns1', address: '192.0.2.53' }, 'ns2.other.test.'];
    const provider = createZoneFileProvider({ type: 'zone-file', zone, path, nameservers, hostmaster: 'dns' }, { now: () => today });
    const serial = async () => Number(/SOA\t\S+ \S+ (\d+)/.exec(await readFile(path, 'utf8'))?.[1]);
    assert.equal((await provider.apply({ create: [a], update: [], delete: [] })).writeCalls, 1);
    assert.equal(await serial(), 2024050600);
    assert.match(await readFile(path, 'utf8'), /NS\tns2\.other\.test\.$/m);
    assert.deepEqual((await provider.list()).map((set) => set.name), ['node1.example.test.', 'ns1.example.test.'], 'in-zone name servers get glue');
    if (await hasBind) await compile(path);
    assert.equal((await stat(path)).mode & 0o777, 0o644);
    const moved = { ...a, values: ['10.0.0.2'] };
    await provider.apply({ create: [], update: [{ from: a, to: moved }], delete: [] });
    assert.equal(await serial(), 2024050601);
    const mtime = (await stat(path)).mtimeMs;
    assert.equal((await provider.apply({ create: [], update: [], delete: [] })).writeCalls, 0);
    assert.equal((await stat(path)).mtimeMs, mtime);
    today = new Date('2024-05-07T00:00:00Z');
    await provider.apply({ create: [], update: [], delete: [moved] });
    assert.equal(await serial(), 2024050700);
  });

  it('never moves the serial backwards', () => {
    const day = new Date('2024-05-06T00:00:00Z');
    assert.equal(nextSerial(1, day), 2024050600);
    assert.equal(nextSerial(2024050699, day), 2024050700);
    assert.equal(nextSerial(2030010100, day), 2030010101);
    assert.equal(nextSerial(2 ** 32 - 1, day), 2024050600, 'RFC 1982: 2024050600 is ahead of 2^32-1');
    assert.equal(nextSerial(2 ** 32 - 1, new Date('2200-01-01T00:00:00Z')), 0, 'RFC 1982: wraps to 0, which counts as greater');
  });

  it('refuses a change the file no longer matches, and syntax it cannot rewrite', async () => {
    const { path } = await tempZone();
    const provider = createZoneFileProvider({ type: 'zone-file', zone, path, nameservers: ['ns1'], hostmaster: 'hostmaster' });
    await assert.rejects(provider.apply({ create: [], update: [], delete: [a] }), /changed since it was read/);
    await writeFile(path, '$TTL 60\n@ IN SOA ns1 hostmaster 1 2 3 4 5\n$INCLUDE other.zone\n');
    await assert.rejects(provider.list(), /db\.example\.test:3: \$INCLUDE is not supported/);
    await writeFile(path, '$TTL 60\nwww IN A 10.0.0.1\n');
    await assert.rejects(provider.list(), /has no SOA record/);
    await writeFile(path, '$TTL 60\n@ IN SOA ns1 hostmaster 1 2 3 4 5\nwww IN A 10.0.0.300\n');
    await assert.rejects(provider.list(), /db\.example\.test:3: .*not an IPv4 address/);
  });
});
