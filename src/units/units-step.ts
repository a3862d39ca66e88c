import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic-write.js';
import { MusterError } from '../core/errors.js';
import { runProgram } from '../core/process.js';
import { underRoot } from '../core/root-path.js';
import type { UnitsConfig } from './config-schema.js';
import { planUnits, targetName, unitFiles } from './plan.js';

export interface UnitsStepOptions {
  units: UnitsConfig;
  root: string;
  dryRun: boolean;
  /** Whether to drive systemd; default: only on the running system (root /) with systemd up. */
  systemd?: boolean;
}

/**
 * The `units` step: the role's units from pinned content (no git clone at boot, as the seed did
 * at every boot), written under root, ordered by a generated target; then systemd reloaded, the
 * target enabled and started, and running units whose files changed restarted. A unit whose
 * files did not change is left alone. Without systemd (a container, a test, root not /) the
 * files are written and the report says what would be started.
 */
export async function runUnitsStep(options: UnitsStepOptions): Promise<string[]> {
  const { units, root, dryRun } = options;
  const contents = new Map<string, string>();
  for (const unit of units.list) contents.set(unit.name, await unitContent(unit, root));
  const wanted = unitFiles(units, contents);
  const current = new Map<string, string | undefined>();
  for (const file of wanted) current.set(file.path, await readFile(underRoot(root, file.path), 'utf8').catch(() => undefined));
  const started = new Set(units.list.filter((unit) => unit.start).map((unit) => unit.name));
  const plan = planUnits(wanted, current, started);
  const target = targetName(units.role);
  const lines: string[] = [];
  for (const file of plan.write) {
    if (!dryRun) await writeFileAtomic(underRoot(root, file.path), file.content, { mode: 0o644 });
    lines.push(`${dryRun ? 'would write' : 'wrote'} ${underRoot(root, file.path)}`);
  }
  if (plan.write.length === 0) lines.push(`${wanted.length} files unchanged`);

  const commands = [
    ...(plan.write.length > 0 ? [['daemon-reload']] : []),
    ['enable', target],
    ['start', target],
    ...plan.restart.map((unit) => ['try-restart', unit]),
  ];
  const systemd = options.systemd ?? (root === '/' && existsSync('/run/systemd/system'));
  if (dryRun || !systemd) {
    const why = dryRun ? 'dry run' : 'systemd is not running here (or root is not /)';
    lines.push(`${why}: would run ${commands.map((command) => `systemctl ${command.join(' ')}`).join('; ')}`);
    return lines;
  }
  for (const command of commands) {
    const result = await runProgram('systemctl', command);
    if (result.code !== 0) {
      throw new MusterError(`units: systemctl ${command.join(' ')} failed (${result.code}): ${result.stderr.trim()}`, {
        code: 'UNITS_SYSTEMCTL',
        kind: 'unavailable',
        hint: `see systemctl status ${command[1] ?? target} and journalctl -u ${command[1] ?? target}`,
      });
    }
    lines.push(`ran systemctl ${command.join(' ')}`);
  }
  return lines;
}

/** A unit's content: inline, or its file under root; either way checked against its sha256 when pinned. */
async function unitContent(unit: UnitsConfig['list'][number], root: string): Promise<string> {
  let content: string;
  if (unit.content !== undefined) content = unit.content;
  else {
    const path = underRoot(root, unit.file ?? '');
    try {
      content = await readFile(path, 'utf8');
    } catch (error) {
      throw new MusterError(`units: cannot read ${path} for ${unit.name} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
        code: 'UNITS_FILE_UNREADABLE',
        kind: 'config',
        hint: 'the file is delivered with the image or user-data; check units.list[].file',
        cause: error,
      });
    }
  }
  if (unit.sha256 !== undefined) {
    const actual = createHash('sha256').update(content).digest('hex');
    if (actual !== unit.sha256) {
      throw new MusterError(`units: ${unit.file ?? `the content of ${unit.name}`} has sha256 ${actual}, not the pinned ${unit.sha256}`, {
        code: 'UNITS_SHA256_MISMATCH',
        kind: 'unsafe',
        hint: `${unit.name} is not what was pinned; nothing was written. Deliver the pinned file, or pin the new one (sha256sum ${unit.file ?? 'FILE'})`,
      });
    }
  }
  return content;
}
