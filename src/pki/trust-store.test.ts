import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initCa } from './ca-init.js';
import { installTrust, parseOsRelease, trustLayoutFor, trustName } from './trust-store.js';

const OS_RELEASE = {
  debian: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
  ubuntu: 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\n',
  rhel: 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n',
  rocky: 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n',
  flatcar: 'NAME="Flatcar Container Linux by Kinvolk"\nID=flatcar\nID_LIKE=coreos\nVERSION=3815.2.0\n',
} as const;

describe('trust store', () => {
  let base: string;
  let caPem: string;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'muster-trust-'));
    await initCa({ dir: join(base, 'ca'), name: 'Example Cluster CA' });
    caPem = await readFile(join(base, 'ca', 'ca.pem'), 'utf8');
  });
  after(() => rm(base, { recursive: true, force: true }));

  const rootWith = async (name: string, osRelease: string | undefined, where = '/etc/os-release'): Promise<string> => {
    const root = join(base, name);
    await mkdir(join(root, 'etc'), { recursive: true });
    if (osRelease !== undefined) {
      await mkdir(join(root, where, '..'), { recursive: true });
      await writeFile(join(root, where), osRelease);
    }
    return root;
  };

  it('reads os-release (quotes, ID_LIKE) and picks the layout', () => {
    assert.deepEqual(parseOsRelease('ID="rhel"\nID_LIKE=\'fedora\'\n# comment\nNAME="A \\"quoted\\" name"\n'), { ID: 'rhel', ID_LIKE: 'fedora', NAME: 'A "quoted" name' });
    const family = (text: string): string | undefined => trustLayoutFor(parseOsRelease(text))?.family;
    assert.equal(family(OS_RELEASE.debian), 'debian');
    assert.equal(family(OS_RELEASE.ubuntu), 'debian');
    assert.equal(family(OS_RELEASE.rhel), 'rhel');
    assert.equal(family(OS_RELEASE.rocky), 'rhel');
    assert.equal(family(OS_RELEASE.flatcar), 'flatcar');
    assert.equal(family('ID=fedora\nVARIANT_ID=coreos\n'), 'rhel');
    assert.equal(family('ID=gentoo\n'), undefined);
  });

  it('names the file after the CA\'s common name, as NodeReg did', () => {
    assert.equal(trustName(caPem), 'example-cluster-ca');
  });

  const layouts = [
    { os: 'debian', file: '/usr/local/share/ca-certificates/example-cluster-ca.crt', command: 'update-ca-certificates' },
    { os: 'rhel', file: '/etc/pki/ca-trust/source/anchors/example-cluster-ca.pem', command: 'update-ca-trust extract' },
    { os: 'flatcar', file: '/etc/ssl/certs/example-cluster-ca.pem', command: 'update-ca-certificates' },
  ] as const;
  for (const layout of layouts) {
    it(`installs the CA the ${layout.os} way under root, and only reports the update command`, async () => {
      const root = await rootWith(layout.os, OS_RELEASE[layout.os]);
      const first = await installTrust({ root, caPem, trust: true, caPath: '/etc/ssl/certs', dryRun: false });
      const anchor = join(root, layout.file);
      assert.equal(await readFile(anchor, 'utf8'), caPem);
      assert.equal((await stat(anchor)).mode & 0o777, 0o644);
      assert.ok(first.changed);
      assert.ok(first.lines.includes(`skipped ${layout.command}: root is ${root}; run it on that system`), first.lines.join('\n'));
      // NodeReg's ca_path: /etc/ssl/certs/<name>.pem; on Flatcar that is the anchor itself, written once.
      assert.equal(await readFile(join(root, '/etc/ssl/certs/example-cluster-ca.pem'), 'utf8'), caPem);
      assert.equal(first.lines.filter((line) => line.startsWith('wrote')).length, layout.os === 'flatcar' ? 1 : 2);

      const second = await installTrust({ root, caPem, trust: true, caPath: '/etc/ssl/certs', dryRun: false });
      assert.deepEqual(second, { lines: [], changed: false }, 'a second run changes nothing and runs nothing');
    });
  }

  it('falls back to /usr/lib/os-release', async () => {
    const root = await rootWith('usr-lib', OS_RELEASE.debian, '/usr/lib/os-release');
    const result = await installTrust({ root, caPem, trust: true, caPath: null, dryRun: false });
    assert.ok(result.lines.includes(`wrote ${join(root, '/usr/local/share/ca-certificates/example-cluster-ca.crt')}`));
  });

  it('says why it did not install on an unknown distribution, and still writes ca_path', async () => {
    const root = await rootWith('gentoo', 'ID=gentoo\n');
    const result = await installTrust({ root, caPem, trust: true, caPath: '/etc/ssl/certs', dryRun: false });
    assert.equal(result.lines[0], `trust store: not installed: unknown distribution ID=gentoo in ${join(root, '/etc/os-release')}`);
    assert.equal(await readFile(join(root, '/etc/ssl/certs/example-cluster-ca.pem'), 'utf8'), caPem);
  });

  it('with dry run writes nothing and says what it would do', async () => {
    const root = await rootWith('dry', OS_RELEASE.debian);
    const result = await installTrust({ root, caPem, trust: true, caPath: null, dryRun: true });
    assert.deepEqual(result.lines, [`would write ${join(root, '/usr/local/share/ca-certificates/example-cluster-ca.crt')}`, 'would run update-ca-certificates']);
    await assert.rejects(stat(join(root, '/usr/local/share/ca-certificates')), { code: 'ENOENT' });
  });

  it('writes nothing to the trust store with trust: false', async () => {
    const root = await rootWith('no-trust', OS_RELEASE.debian);
    assert.deepEqual(await installTrust({ root, caPem, trust: false, caPath: null, dryRun: false }), { lines: [], changed: false });
  });
});
