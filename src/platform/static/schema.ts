import { isIP } from 'node:net';
import * as z from 'zod';
import { ipAddress, tagMap } from '../../config/common.js';

export const staticPeerSchema = z.strictObject({
  name: z.string().min(1).describe('Peer name; becomes its etcd member name.'),
  ip: ipAddress.describe('Address the other peers reach this one on.'),
  id: z.string().min(1).optional().describe('Stable id; defaults to the name.'),
  tags: tagMap.optional().describe('Tags, as a cloud would report them (e.g. Role: master).'),
});

export const staticPlatformSchema = z
  .strictObject({
    type: z.literal('static'),
    self: z.string().min(1).describe('Which peer (by name) is this node.'),
    peers: z.array(staticPeerSchema).min(1).describe('Every member of the group, this node included.'),
  })
  .superRefine((value, ctx) => {
    // Names become host and DNS names, which ignore case: "a" and "A" would be one node twice.
    const byName = new Map<string, number>();
    const byIp = new Map<string, number>();
    value.peers.forEach((peer, index) => {
      const sameName = byName.get(peer.name.toLowerCase());
      if (sameName !== undefined) {
        const other = value.peers[sameName]?.name ?? '';
        ctx.addIssue({
          code: 'custom',
          path: ['peers', index, 'name'],
          message:
            other === peer.name
              ? `duplicate peer name ${peer.name} (also platform.peers[${sameName}])`
              : `peer name ${peer.name} is platform.peers[${sameName}]'s name ${other} in other case; host and DNS names ignore case, so they would be one name`,
        });
      } else byName.set(peer.name.toLowerCase(), index);
      const ip = canonicalIp(peer.ip);
      const sameIp = ip === undefined ? undefined : byIp.get(ip);
      if (sameIp !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['peers', index, 'ip'], message: `duplicate peer ip ${peer.ip} (also platform.peers[${sameIp}], ${value.peers[sameIp]?.name ?? ''})` });
      } else if (ip !== undefined) byIp.set(ip, index);
    });
    if (!value.peers.some((peer) => peer.name === value.self)) {
      ctx.addIssue({ code: 'custom', path: ['self'], message: `"${value.self}" is not one of the peers (${value.peers.map((peer) => peer.name).join(', ')})` });
    }
  });

/** One spelling per address (2001:db8::1 and 2001:DB8:0::1 are the same); undefined when it is no address (its own issue). */
function canonicalIp(ip: string): string | undefined {
  if (isIP(ip) === 4) return ip;
  if (isIP(ip) === 6) return new URL(`http://[${ip}]/`).hostname;
  return undefined;
}

export type StaticPlatformConfig = z.infer<typeof staticPlatformSchema>;
