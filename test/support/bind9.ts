import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '../../src/core/process.js';
import { waitForExit } from '../../src/core/process.js';
import { canonicalRecordSet, isRecordType, recordKey, unquoteTxt } from '../../src/dns/record.js';
import type { RecordSet } from '../../src/dns/types.js';

export interface Bind9Key {
  name: string;
  algorithm: string;
  /** Path of a file holding tsig-keygen's output (a `key "name" { … };` block): a secret_file for muster. */
  file: string;
  /** The base64 secret. */
  secret: string;
}

export interface Bind9 {
  port: number;
  /** "127.0.0.1:PORT", as muster's rfc2136 `server` takes it. */
  server: string;
  zone: string;
  dir: string;
  key: Bind9Key;
  /** The extra keys asked for, by name. */
  keys: Record<string, Bind9Key>;
  /** Runs dig against this server only (never the system resolver), with the given arguments. */
  dig(args: readonly string[]): Promise<string>;
  /** The zone's record sets of the types muster manages, read with a TSIG-signed `dig AXFR`. */
  axfr(): Promise<RecordSet[]>;
  /** Runs an nsupdate script against this server with the zone's key (server and zone lines are added). */
  nsupdate(commands: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function hasBind9(): Promise<boolean> {
  try {
    return (await runProgram('named', ['-v'])).code === 0 && (await runProgram('dig', ['-v'])).code === 0;
  } catch {
    return false;
  }
}

/**
 * A real BIND 9 (`named -g`, foreground) on 127.0.0.1 with a free port: one primary zone that the
 * generated TSIG key may update (`update-policy { grant KEY zonesub ANY; }`) and transfer (AXFR
 * needs the key too). All state is in a temp dir, removed by stop().
 */
export interface Bind9Options {
  zone?: string;
  /** More keys the server knows; `grant: false` makes one it knows but lets neither update nor transfer. */
  extraKeys?: readonly { name: string; algorithm: string; grant?: boolean }[];
}

export async function startBind9(options: Bind9Options = {}): Promise<Bind9> {
  const zone = options.zone ?? 'muster.test.';
  const dir = await mkdtemp(join(tmpdir(), 'muster-bind9-'));
  const key = await makeKey(dir, 'muster-key', 'hmac-sha256');
  const extra = await Promise.all((options.extraKeys ?? []).map(async (spec) => ({ key: await makeKey(dir, spec.name, spec.algorithm), grant: spec.grant ?? true })));
  const granted = [key.name, ...extra.filter((k) => k.grant).map((k) => k.key.name)];
  const keyFiles = [key.file, ...extra.map((k) => k.key.file)];
  const zoneFile = join(dir, 'zone.db');
  await writeFile(
    zoneFile,
    [`$ORIGIN ${zone}`, '$TTL 300', `@ IN SOA ns1 hostmaster 1 3600 600 86400 60`, '@ IN NS ns1', 'ns1 IN A 127.0.0.1', ''].join('\n'),
  );
  for (let attempt = 0; ; attempt++) {
    const port = randomInt(20_000, 60_000);
    const conf = join(dir, 'named.conf');
    await writeFile(conf, namedConf({ dir, port, zone, granted, keyFiles, zoneFile }));
    const child = spawn('named', ['-c', conf, '-g', '-n', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    // If the test process ends without running stop() (an uncaught error), named must not outlive it.
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    let log = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    const keys = Object.fromEntries(extra.map((k) => [k.key.name, k.key]));
    const server = makeServer({ port, zone, dir, key, keys, child });
    if (await waitUntilAnswering(server, child, () => /address in use/i.test(log))) return server;
    // Only this named: the next attempt writes its named.conf into the same directory (server.stop
    // would remove it, and the retry then failed with ENOENT).
    await stopNamed(child);
    if (attempt >= 4 || !/address in use/i.test(log)) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`named did not start on 127.0.0.1:${port}:\n${log.split('\n').slice(-15).join('\n')}`);
    }
  }
}

async function makeKey(dir: string, name: string, algorithm: string): Promise<Bind9Key> {
  const keygen = await runProgram('tsig-keygen', ['-a', algorithm, name]);
  if (keygen.code !== 0) throw new Error(`tsig-keygen failed: ${keygen.stderr}`);
  const file = join(dir, `${name}.key`);
  await writeFile(file, keygen.stdout, { mode: 0o600 });
  return { name, algorithm, file, secret: /secret\s+"([^"]+)"/.exec(keygen.stdout)?.[1] ?? '' };
}

function makeServer(opts: { port: number; zone: string; dir: string; key: Bind9Key; keys: Record<string, Bind9Key>; child: ChildProcess }): Bind9 {
  const { port, zone, dir, key, keys, child } = opts;
  const dig = async (args: readonly string[]): Promise<string> => {
    const result = await runProgram('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args]);
    if (result.code !== 0) throw new Error(`dig ${args.join(' ')} failed (${result.code}): ${result.stdout}${result.stderr}`);
    return result.stdout;
  };
  return {
    port,
    server: `127.0.0.1:${port}`,
    zone,
    dir,
    key,
    keys,
    dig,
    async axfr() {
      const out = await dig(['-k', key.file, zone, 'AXFR', '+nocmd', '+nocomments', '+nostats', '+noall', '+answer']);
      if (/Transfer failed|communications error/.test(out)) throw new Error(`dig AXFR failed: ${out}`);
      return parseRecordLines(out, zone);
    },
    async nsupdate(commands) {
      const script = [`server 127.0.0.1 ${port}`, `zone ${zone}`, ...commands, 'send', ''].join('\n');
      const result = await runProgram('nsupdate', ['-k', key.file], { input: script });
      if (result.code !== 0) throw new Error(`nsupdate failed (${result.code}): ${result.stderr}${result.stdout}`);
    },
    async stop() {
      await stopNamed(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function stopNamed(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  if (child.pid !== undefined) await waitForExit(child.pid, 10_000);
}

async function waitUntilAnswering(server: Bind9, child: ChildProcess, portTaken: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null || portTaken()) return false;
    try {
      // Over UDP and TCP: the random port can be free for one and, as a client's ephemeral port
      // at that moment, taken for the other; named then runs without TCP, which muster's
      // rfc2136 provider (and AXFR) use, and is started again on another port.
      if ((await server.dig(['+short', server.zone, 'SOA'])).trim() !== '' && (await server.dig(['+tcp', '+short', server.zone, 'SOA'])).trim() !== '') return true;
    } catch {
      // not answering yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

function namedConf(o: { dir: string; port: number; zone: string; granted: readonly string[]; keyFiles: readonly string[]; zoneFile: string }): string {
  return `${o.keyFiles.map((file) => `include "${file}";`).join('\n')}
options {
  directory "${o.dir}";
  pid-file "${o.dir}/named.pid";
  session-keyfile "${o.dir}/session.key";
  managed-keys-directory "${o.dir}";
  listen-on port ${o.port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  notify no;
  dnssec-validation no;
};
controls { };
zone "${o.zone}" {
  type primary;
  file "${o.zoneFile}";
  update-policy { ${o.granted.map((name) => `grant ${name} zonesub ANY;`).join(' ')} };
  allow-transfer { ${o.granted.map((name) => `key ${name};`).join(' ')} };
};
`;
}

/**
 * Record sets of managed types from lines of `dig` or `named-compilezone -s full` output
 * ("name TTL class type rdata", fully qualified names): an independent reading of a zone.
 */
export function parseRecordLines(text: string, zone: string): RecordSet[] {
  const groups = new Map<string, { name: string; type: string; ttl: number; values: string[] }>();
  for (const line of text.split('\n')) {
    const match = /^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, name = '', ttl = '', type = '', rdata = ''] = match;
    if (!isRecordType(type)) continue;
    const value = type === 'TXT' ? unquoteTxt(rdata) : rdata.trim().split(/\s+/).join(' ');
    const key = recordKey({ name: name.toLowerCase(), type });
    const group = groups.get(key) ?? { name: name.toLowerCase(), type, ttl: Number(ttl), values: [] };
    group.values.push(value);
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => canonicalRecordSet(group, zone));
}

