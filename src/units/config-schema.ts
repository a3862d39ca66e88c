import * as z from 'zod';
import { absolutePath } from '../config/common.js';

// systemd unit names: letters, digits and ":-_.\@", then a type muster can order and start.
const unitName = z
  .string()
  .regex(/^[A-Za-z0-9:_.\\@-]+\.(service|socket|timer|path|mount|target)$/, { message: 'must be a systemd unit name such as etcd-backup.service (service, socket, timer, path, mount or target)' });

export const unitSchema = z
  .strictObject({
    name: unitName.describe('Unit file name, e.g. etcd-backup.service.'),
    content: z.string().min(1).optional().describe('The unit file itself, inline.'),
    file: absolutePath.optional().describe('Or a file on the node (under root) holding it, delivered with the image or user-data; needs sha256.'),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, { message: 'must be 64 lower-case hex digits (sha256sum of the file)' })
      .optional()
      .describe('sha256 of file (or of content): a unit that is not exactly this is refused, so what runs is what was pinned.'),
    start: z.boolean().default(true).describe('Start it (in list order) with the role\'s target. false: written only, e.g. a unit a timer starts.'),
  })
  .superRefine((unit, ctx) => {
    if ((unit.content === undefined) === (unit.file === undefined)) ctx.addIssue({ code: 'custom', path: ['content'], message: 'give the unit as content or as file, one of them' });
    if (unit.file !== undefined && unit.sha256 === undefined) ctx.addIssue({ code: 'custom', path: ['sha256'], message: 'a unit from a file must be pinned: add its sha256 (sha256sum FILE)' });
  });

export const unitsConfigSchema = z
  .strictObject({
    role: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { message: 'must be a lower-case label such as manager or worker' })
      .default('node')
      .describe('Names the target that starts the units: muster-<role>.target.'),
    list: z.array(unitSchema).min(1).describe('The role\'s units, in the order they start (coreos-docker-swarm-cluster\'s <role>-systemd-units.txt).'),
  })
  .superRefine((units, ctx) => {
    const seen = new Set<string>();
    units.list.forEach((unit, index) => {
      if (seen.has(unit.name)) ctx.addIssue({ code: 'custom', path: ['list', index, 'name'], message: `${unit.name} is listed twice` });
      seen.add(unit.name);
    });
  });

export type UnitsConfig = z.infer<typeof unitsConfigSchema>;
export type UnitConfig = z.infer<typeof unitSchema>;
