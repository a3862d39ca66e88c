import * as z from 'zod';
import { absolutePath } from '../../config/common.js';
import { electConfigSchema } from '../../election/config-schema.js';

/**
 * `muster elect`'s protocol as a discovery platform: peers are the membership the members agree
 * on over mDNS, so a LAN or bare metal forms etcd with no cloud API at all.
 */
export const mdnsPlatformSchema = electConfigSchema
  .omit({ action: true, rotate_ssh: true, linger: true, state_dir: true })
  .extend({
    type: z.literal('mdns'),
    state_dir: absolutePath
      .default('/var/lib/muster/mdns')
      .describe('Where the agreed membership is kept (on the node itself, not under root): a restart finds its peers there instead of waiting for an election that is long over.'),
  });

export type MdnsPlatformConfig = z.output<typeof mdnsPlatformSchema>;
