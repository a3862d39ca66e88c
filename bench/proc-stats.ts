// What the kernel says about a running process (/proc/PID), and when its log said something: the
// measurements the benchmarks share.
import { readFile } from 'node:fs/promises';

async function statusKiB(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid ?? 0}/status`, 'utf8');
  const kib = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1];
  if (kib === undefined) throw new Error(`no ${field} for pid ${pid ?? '?'}`);
  return Number(kib);
}

/** Resident memory now (VmRSS), in MiB. */
export async function rssMiB(pid: number | undefined): Promise<number> {
  return (await statusKiB(pid, 'VmRSS')) / 1024;
}

/** The peak of resident memory so far (VmHWM), in MiB. */
export async function hwmMiB(pid: number | undefined): Promise<number> {
  return (await statusKiB(pid, 'VmHWM')) / 1024;
}

/** CPU time (user + system) a process has used, in ms (/proc/PID/stat, 100 ticks a second). */
export async function cpuMs(pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid ?? 0}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** When a pino log first has `message` as its msg (its JSON lines carry the time in epoch ms), or NaN. */
export function logTime(log: string, message: string): number {
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { time?: number; msg?: string };
      if (entry.msg === message && typeof entry.time === 'number') return entry.time;
    } catch {
      // a line cut short, or not pino's
    }
  }
  return NaN;
}
