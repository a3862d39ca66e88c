import { isIP } from 'node:net';
import * as z from 'zod';
import { parseDuration } from '../core/duration.js';

export const ipAddress = z.string().refine((value) => isIP(value) !== 0, { message: 'not an IPv4 or IPv6 address' });

export const tagMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

export const port = z.number().int().min(1).max(65535);

/** A duration such as 30s, 2m or 1h30m (or a number of milliseconds); parsed to milliseconds. */
export const duration = z
  .union([z.string(), z.number().nonnegative()])
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration; write it like 500ms, 30s, 2m or 1h` });
      return z.NEVER;
    }
    return ms;
  });

export const absolutePath = z.string().refine((value) => value.startsWith('/'), { message: 'must be an absolute path' });

// YAML reads an unquoted 0600 as the decimal 600, so modes are strings.
export const fileMode = z.union([z.string(), z.number()]).transform((mode, ctx) => {
  if (typeof mode === 'string' && /^0?[0-7]{3}$/.test(mode)) return parseInt(mode, 8);
  ctx.addIssue({ code: 'custom', message: `write the mode as a quoted octal string, such as '0600' or '0640'${typeof mode === 'number' ? ' (YAML reads an unquoted 0600 as the number 600)' : ''}` });
  return z.NEVER;
});

export const owner = z.string().regex(/^[a-z_][a-z0-9_.-]*(:[a-z_][a-z0-9_.-]*)?$|^\d+:\d+$/i, { message: 'write user, user:group or uid:gid' });
