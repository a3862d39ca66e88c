// grpc-js asks net.isIPv6() of every address it connects to or prints (subchannel-address.js,
// load-balancer-pick-first.js). Node's IPv6 pattern is large: its first use compiles it, ~5 ms of
// every `muster etcd` join, for the IPv4 addresses etcd's members mostly have. Both builds make
// those checks ask the small IPv4 pattern first (which the config's own address checks have
// already compiled); an address that is IPv4 is not IPv6, so every answer stays the same.
import { readFileSync } from 'node:fs';

const CALL = '(0, net_1.isIPv6)(';
const HELPER = `
function isIPv6AfterIPv4(address) {
    return !(0, net_1.isIPv4)(address) && (0, net_1.isIPv6)(address);
}
`;

export const grpcIpv4FirstPlugin = {
  name: 'grpc-ipv4-first',
  setup(builder) {
    builder.onLoad({ filter: /@grpc[\\/]grpc-js[\\/]build[\\/]src[\\/](subchannel-address|load-balancer-pick-first)\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(CALL) || !source.includes('const net_1 = require("net");')) {
        throw new Error(`${args.path} no longer checks addresses the way scripts/grpc-ipv4-first-plugin.mjs expects: update the plugin`);
      }
      return { contents: source.replaceAll(CALL, 'isIPv6AfterIPv4(') + HELPER, loader: 'js' };
    });
  },
};
