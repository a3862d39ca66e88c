// Counts the mDNS packets one address sends for a while, from inside a network namespace
// (bench/elect.ts runs it with ip netns exec): prints the count.
import makeMdns from 'multicast-dns';

const [ownAddress = '', from = '', windowMs = '20000'] = process.argv.slice(2);
const mdns = makeMdns({ interface: ownAddress, bind: '0.0.0.0', reuseAddr: true });
let packets = 0;
const count = (_packet: unknown, rinfo: { address: string }): void => {
  if (rinfo.address === from) packets += 1;
};
mdns.on('response', count);
mdns.on('query', count);
setTimeout(() => {
  process.stdout.write(`${packets}\n`);
  mdns.destroy();
}, Number(windowMs));
