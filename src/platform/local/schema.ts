import * as z from 'zod';
import { absolutePath } from '../../config/common.js';

export const localPlatformSchema = z.strictObject({
  type: z.literal('local'),
  dir: absolutePath.describe('The sandbox directory made by `muster local up` (it holds sandbox.json, the simulated group).'),
  self: z.string().min(1).describe('Which simulated node is this one (node-1, node-2, …).'),
});

export type LocalPlatformConfig = z.infer<typeof localPlatformSchema>;
