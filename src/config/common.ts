import { isIP } from 'node:net';
import { z } from 'zod';
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
