import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runDnsContract } from '../../../../test/contract/dns-contract.js';
import { hasBind9, startBind9, type Bind9 } from '../../../../test/support/bind9.js';
import { runProgram } from '../../../core/process.js';
import { isEmptyChangeSet, planDns } from '../../plan.js';
import { canonicalRecordSet } from '../../record.js';
import type { RecordSet } from '../../types.js';
import { createRfc2136Provider, type Rfc2136ProviderOptions } from './index.js';
import type { Rfc2136Config } from './schema.js';
import { freePort } from '../../../../test/support/loopback.js';

const bindMissing = (await hasBind9()) ? false : 'BIND 9 (named, dig) is not installed: apt-get install bind9 dnsutils';

function providerFor(bind: Bind9, tsig: Partial<Rfc2136Config['tsig']> = {}, options: Rfc2136ProviderOptions = {}, server = bind.server) {
  const config: Rfc2136Config & { zone: string } = {
    type: 'rfc2136',
    zone: bind.zone,
    server,
    tsig: { name: bind.key.name, algorithm: 'hmac-sha256', secret_file: bind.key.file, ...tsig },
    timeout: 5000,
  };
  return createRfc2136Provider(config, options);
}

if (!bindMissing) {
  runDnsContract('rfc2136 (BIND 9, TSIG)', async () => {
    const bind = await startBind9();
    return { provider: providerFor(bind), readBack: () => bind.axfr(), teardown: () => bind.stop() };
  });
}

describe('rfc2136 DNS provider on a real BIND 9', { skip: bindMissing }, () => {
  let bind: Bind9;
  let scratch: string;
  const a = (name: string, ip: string): RecordSet => canonicalRecordSet({ name, type: 'A', ttl: 60, values: [ip] }, bind.zone);
  const sync = async (provider: ReturnType<typeof providerFor>, desired: RecordSet[], ownerId = 'rfc2136-test') =>
    planDns({ desired, current: await provider.list(), ownerId, policy: 'sync', takeOver: false });
  const keyFile = async (name: string, content: string): Promise<string> => {
    const path = join(scratch, name);
    await writeFile(path, content, { mode: 0o600 });
    return path;
  };

  before(async () => {
    bind = await startBind9({
      extraKeys: [
        { name: 'sha512-key', algorithm: 'hmac-sha512' },
        { name: 'sha1-key', algorithm: 'hmac-sha1' },
        { name: 'ungranted-key', algorithm: 'hmac-sha256', grant: false },
      ],
    });
    scratch = await mkdtemp(join(tmpdir(), 'muster-rfc2136-'));
  });
  after(async () => {
    await bind?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('signs with hmac-sha512 and hmac-sha1 too, and takes a bare base64 secret file', async () => {
    for (const name of ['sha512-key', 'sha1-key']) {
      const key = bind.keys[name];
      assert.ok(key);
      const provider = providerFor(bind, { name, algorithm: key.algorithm as Rfc2136Config['tsig']['algorithm'], secret_file: key.file });
      const set = a(`${name}.algorithms`, '192.0.2.1');
      assert.equal((await provider.apply({ create: [set], update: [], delete: [] })).writeCalls, 1);
      assert.ok((await provider.list()).some((listed) => listed.name === set.name));
    }
    const bare = await keyFile('bare.b64', `${bind.key.secret}\n`);
    assert.ok((await providerFor(bind, { secret_file: bare }).list()).length > 0);
  });

  it('leaves a record added by nsupdate alone through a muster sync', async () => {
    await bind.nsupdate([`update add foreign.nsupdate.${bind.zone} 300 IN A 192.0.2.50`, `update add mine.nsupdate.${bind.zone} 300 IN TXT "someone else's"`]);
    const provider = providerFor(bind);
    const desired = [a('mine.nsupdate', '192.0.2.51')];
    const plan = await sync(provider, desired);
    await provider.apply(plan.changes);
    const digged = await bind.dig(['+short', `foreign.nsupdate.${bind.zone}`, 'A']);
    assert.equal(digged.trim(), '192.0.2.50');
    assert.equal((await bind.dig(['+short', `mine.nsupdate.${bind.zone}`, 'TXT'])).trim(), '"someone else\'s"');
    assert.equal((await bind.dig(['+short', `mine.nsupdate.${bind.zone}`, 'A'])).trim(), '192.0.2.51');
    await provider.apply((await sync(provider, [])).changes);
    assert.equal((await bind.dig(['+short', `foreign.nsupdate.${bind.zone}`, 'A'])).trim(), '192.0.2.50', 'a sync to nothing deletes only its own records');
    assert.equal((await bind.dig(['+short', `mine.nsupdate.${bind.zone}`, 'A'])).trim(), '');
  });

  it('repairs a sync that crashed between two UPDATE messages on the next run', async () => {
    const desired = Array.from({ length: 40 }, (_, i) => a(`h${i}.crash`, `198.51.100.${i + 1}`));
    const crashing = providerFor(bind, {}, {
      maxMessageBytes: 1500,
      afterMessage: (index) => {
        if (index === 0) throw new Error('simulated crash after the first message');
      },
    });
    const first = await sync(crashing, desired, 'crash-test');
    await assert.rejects(crashing.apply(first.changes), /simulated crash/);
    const partial = (await crashing.list()).filter((set) => set.name.endsWith(`.crash.${bind.zone}`));
    const records = partial.filter((set) => set.type === 'A');
    assert.ok(records.length > 0 && records.length < desired.length, `the first message applied part of the sync (${records.length} of ${desired.length})`);
    assert.equal(partial.length, records.length * 2, 'every record that made it has its ownership record: they travel in one message');

    const provider = providerFor(bind, {}, { maxMessageBytes: 1500 });
    const second = await sync(provider, desired, 'crash-test');
    assert.deepEqual(second.conflicts, []);
    assert.ok((await provider.apply(second.changes)).writeCalls > 1, 'the repair also takes several messages');
    assert.equal((await provider.list()).filter((set) => set.name.endsWith(`.crash.${bind.zone}`)).length, 80);
    assert.ok(isEmptyChangeSet((await sync(provider, desired, 'crash-test')).changes));
    await provider.apply((await sync(provider, [], 'crash-test')).changes);
  });

  it('applies nothing from a message whose records changed since muster read the zone', async () => {
    const provider = providerFor(bind);
    await provider.apply((await sync(provider, [a('raced', '192.0.2.60')], 'race')).changes);
    const stale = await sync(provider, [a('raced', '192.0.2.61')], 'race');
    await bind.nsupdate([`update delete raced.${bind.zone} A`, `update add raced.${bind.zone} 60 IN A 192.0.2.99`]);
    await assert.rejects(provider.apply(stale.changes), (error: Error & { code?: string; retryable?: boolean }) => {
      assert.equal(error.code, 'DNS_ZONE_CHANGED');
      assert.equal(error.retryable, false, 'resending the same message cannot help: the caller lists and plans again');
      assert.match(error.message, /changed on 127\.0\.0\.1:\d+ since muster read it \(NXRRSET\)/);
      return true;
    });
    assert.equal((await bind.dig(['+short', `raced.${bind.zone}`, 'A'])).trim(), '192.0.2.99');
  });

  it('refuses to delete its ownership record after another writer changed it, instead of overwriting the change', async () => {
    const provider = providerFor(bind);
    await provider.apply((await sync(provider, [a('claimed', '192.0.2.62')], 'race')).changes);
    const stale = await sync(provider, [], 'race');
    assert.deepEqual(stale.changes.delete.map((set) => set.name), [`claimed.${bind.zone}`, `_muster-owner.a.claimed.${bind.zone}`]);
    const claim = `heritage=muster,muster/owner=cluster-b,muster/record=A/claimed.${bind.zone}`;
    await bind.nsupdate([`update delete _muster-owner.a.claimed.${bind.zone} TXT`, `update add _muster-owner.a.claimed.${bind.zone} 60 IN TXT "${claim}"`]);
    await assert.rejects(provider.apply(stale.changes), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'DNS_ZONE_CHANGED');
      assert.match(error.message, /since muster read it \(NXRRSET\)/);
      return true;
    });
    assert.equal((await bind.dig(['+short', `_muster-owner.a.claimed.${bind.zone}`, 'TXT'])).trim(), `"${claim}"`, 'the other writer\'s ownership record stays');
    assert.equal((await bind.dig(['+short', `claimed.${bind.zone}`, 'A'])).trim(), '192.0.2.62');
  });

  it('says the key needs update-policy when the server refuses an update', async () => {
    const key = bind.keys['ungranted-key'];
    assert.ok(key);
    const provider = providerFor(bind, { name: key.name, secret_file: key.file });
    await assert.rejects(provider.apply({ create: [a('refused', '192.0.2.70')], update: [], delete: [] }), (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'DNS_REFUSED');
      assert.match(error.message, /server refused the update: is the key ungranted-key\. granted update-policy on the zone\?/);
      assert.match(error.hint ?? '', /update-policy \{ grant ungranted-key\. zonesub ANY; \}/);
      return true;
    });
    await assert.rejects(provider.list(), /refused the zone transfer .* allow-transfer/);
  });

  it('reports a wrong secret as a TSIG key mismatch, without the secret', async () => {
    const keygen = await runProgram('tsig-keygen', ['-a', 'hmac-sha256', bind.key.name]);
    const wrongSecret = /secret "([^"]+)"/.exec(keygen.stdout)?.[1] ?? '';
    const provider = providerFor(bind, { secret_file: await keyFile('wrong.key', keygen.stdout) });
    for (const attempt of [provider.list(), provider.apply({ create: [a('badsig', '192.0.2.80')], update: [], delete: [] })]) {
      await assert.rejects(attempt, (error: Error & { code?: string; hint?: string }) => {
        assert.equal(error.code, 'DNS_TSIG_MISMATCH');
        assert.match(error.message, /TSIG key mismatch with 127\.0\.0\.1:\d+ for key muster-key\. \(NOTAUTH\/BADSIG\)/);
        for (const secret of [wrongSecret, bind.key.secret]) assert.ok(!`${error.message} ${error.hint}`.includes(secret), 'no secret in errors');
        return true;
      });
    }
    const unknown = await runProgram('tsig-keygen', ['-a', 'hmac-sha256', 'nobody-key']);
    const stranger = providerFor(bind, { name: 'nobody-key', secret_file: await keyFile('nobody.key', unknown.stdout) });
    await assert.rejects(stranger.list(), (error: Error & { hint?: string }) => /BADKEY/.test(error.message) && /no key named nobody-key\./.test(error.hint ?? ''));
  });

  it("rejects a response whose TSIG signature does not verify (the server's signature is checked)", async () => {
    const proxy = await corruptingProxy(bind.port);
    try {
      const provider = providerFor(bind, {}, {}, `127.0.0.1:${proxy.port}`);
      await assert.rejects(provider.list(), /TSIG key mismatch .*signature does not verify/);
    } finally {
      await proxy.close();
    }
  });

  it('names the server when it cannot be reached or does not answer', async () => {
    const closedPort = await freePort();
    await assert.rejects(providerFor(bind, {}, {}, `127.0.0.1:${closedPort}`).list(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'DNS_SERVER_UNREACHABLE');
      assert.match(error.message, new RegExp(`cannot reach the DNS server 127\\.0\\.0\\.1:${closedPort}: connection refused`));
      return true;
    });
    const accepted: Socket[] = [];
    const silent = createServer((socket) => accepted.push(socket.resume())); // reads, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const provider = createRfc2136Provider(
        { type: 'rfc2136', zone: bind.zone, server: `127.0.0.1:${port}`, tsig: { name: bind.key.name, algorithm: 'hmac-sha256', secret_file: bind.key.file }, timeout: 300 },
      );
      await assert.rejects(provider.list(), new RegExp(`no answer from the DNS server 127\\.0\\.0\\.1:${port} within 0\\.3s`));
      const patient = providerFor(bind, {}, {}, `127.0.0.1:${port}`);
      await assert.rejects(patient.list(AbortSignal.timeout(100)), { name: 'TimeoutError' }, 'an abort signal ends the wait at once');
    } finally {
      for (const socket of accepted) socket.destroy();
      await closeServer(silent);
    }
  });

  it('checks the secret file against the configured key', async () => {
    await assert.rejects(providerFor(bind, { name: 'other-name' }).list(), /declares key name muster-key, but dns\.provider\.tsig says other-name/);
    await assert.rejects(providerFor(bind, { algorithm: 'hmac-sha512' }).list(), /declares key algorithm hmac-sha256/);
    await assert.rejects(providerFor(bind, { secret_file: join(scratch, 'missing') }).list(), /cannot read the TSIG secret file .*missing: ENOENT/);
    await assert.rejects(providerFor(bind, { secret_file: await keyFile('junk', 'not base64!\n') }).list(), /does not hold a base64 secret/);
  });
});

/** A TCP proxy to BIND that flips the last byte of every answer's TSIG MAC. */
async function corruptingProxy(target: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: target });
    sockets.push(client, upstream);
    client.pipe(upstream);
    let buffered = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const frame = Buffer.from(buffered.subarray(0, 2 + buffered.readUInt16BE(0)));
        buffered = buffered.subarray(frame.length);
        // The TSIG record ends with MAC | original ID | error | other len (0): the MAC's last byte is 7 from the end.
        frame[frame.length - 7] = (frame[frame.length - 7] ?? 0) ^ 0xff;
        client.write(frame);
      }
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
