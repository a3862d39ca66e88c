import assert from 'node:assert/strict';
import Module, { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { Script } from 'node:vm';
import { build } from 'esbuild';
import { grpcIpv4FirstPlugin } from '../../scripts/grpc-ipv4-first-plugin.mjs';

interface SubchannelAddressModule {
  subchannelAddressToString: (address: { host: string; port: number }) => string;
}

/** grpc-js's subchannel-address.js as the builds bundle it, loaded. */
async function bundledSubchannelAddress(): Promise<SubchannelAddressModule> {
  const file = createRequire(createRequire(import.meta.url).resolve('etcd3')).resolve('@grpc/grpc-js/build/src/subchannel-address.js');
  const result = await build({ stdin: { contents: `module.exports = require(${JSON.stringify(file)});`, resolveDir: '.' }, bundle: true, platform: 'node', format: 'cjs', write: false, plugins: [grpcIpv4FirstPlugin], logLevel: 'silent' });
  const text = result.outputFiles[0]?.text ?? '';
  assert.match(text, /isIPv6AfterIPv4\(address\.host\)/, 'the plugin changed the check');
  const module = { exports: {} as unknown };
  const wrapper = new Script(Module.wrap(text)).runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown) => void;
  wrapper(module.exports, createRequire(import.meta.url), module);
  return module.exports as SubchannelAddressModule;
}

// The builds make grpc-js ask the IPv4 pattern before the IPv6 one: the answers must not change.
describe("grpc-js's address checks, bundled with the IPv4 pattern first", () => {
  it('write IPv6 addresses in brackets and IPv4 addresses and names without', async () => {
    const { subchannelAddressToString } = await bundledSubchannelAddress();
    assert.equal(subchannelAddressToString({ host: '::1', port: 2379 }), '[::1]:2379');
    assert.equal(subchannelAddressToString({ host: 'fd00::10:1', port: 2379 }), '[fd00::10:1]:2379');
    assert.equal(subchannelAddressToString({ host: '::ffff:10.0.0.1', port: 2379 }), '[::ffff:10.0.0.1]:2379');
    assert.equal(subchannelAddressToString({ host: '10.0.0.1', port: 2379 }), '10.0.0.1:2379');
    assert.equal(subchannelAddressToString({ host: 'etcd-1.example', port: 2379 }), 'etcd-1.example:2379');
  });
});
