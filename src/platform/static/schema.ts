import { z } from 'zod';
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
    const names = new Set<string>();
    value.peers.forEach((peer, index) => {
      if (names.has(peer.name)) ctx.addIssue({ code: 'custom', path: ['peers', index, 'name'], message: `duplicate peer name ${peer.name}` });
      names.add(peer.name);
    });
    if (!names.has(value.self)) {
      ctx.addIssue({ code: 'custom', path: ['self'], message: `"${value.self}" is not one of the peers (${[...names].join(', ')})` });
    }
  });

export type StaticPlatformConfig = z.infer<typeof staticPlatformSchema>;
