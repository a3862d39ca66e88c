import type { UnitsConfig } from './config-schema.js';

export const SYSTEMD_DIR = '/etc/systemd/system';

/** A file the units step wants on the node, as the node sees it (not prefixed with root). */
export interface UnitFile {
  path: string;
  content: string;
  /** The unit this file defines or configures; restarted when it changed. */
  unit: string;
}

export function targetName(role: string): string {
  return `muster-${role}.target`;
}

/**
 * The files that make systemd run the role's units in order: each unit file, a drop-in per
 * started unit ordering it after the one before (and tying it to the target), and the target,
 * which wants them all. systemd then starts them in list order itself, at this boot and every
 * later one, with no loop of muster's own. Pure.
 */
export function unitFiles(units: UnitsConfig, contents: ReadonlyMap<string, string>): UnitFile[] {
  const target = targetName(units.role);
  const files: UnitFile[] = [];
  let previous: string | undefined;
  for (const unit of units.list) {
    const content = contents.get(unit.name) ?? '';
    files.push({ path: `${SYSTEMD_DIR}/${unit.name}`, content: content.endsWith('\n') ? content : `${content}\n`, unit: unit.name });
    if (!unit.start) continue;
    const order = previous === undefined ? '' : `After=${previous}\n`;
    files.push({
      path: `${SYSTEMD_DIR}/${unit.name}.d/50-muster-order.conf`,
      content: `# Written by muster boot (units): started by ${target}, in list order.\n[Unit]\nPartOf=${target}\n${order}`,
      unit: unit.name,
    });
    previous = unit.name;
  }
  const started = units.list.filter((unit) => unit.start).map((unit) => unit.name);
  files.push({
    path: `${SYSTEMD_DIR}/${target}`,
    content:
      `# Written by muster boot (units): the ${units.role} role's units, started in this order.\n[Unit]\nDescription=muster: the ${units.role} role's units\n` +
      (started.length > 0 ? `Wants=${started.join(' ')}\nAfter=${started.join(' ')}\n` : '') +
      '\n[Install]\nWantedBy=multi-user.target\n',
    unit: target,
  });
  return files;
}

export interface UnitsPlan {
  write: UnitFile[];
  /** Started units whose files changed and that existed before: restarted, not just started. */
  restart: string[];
  unchanged: number;
}

/** Which files to write and which running units to restart, from what the node holds now. Pure. */
export function planUnits(wanted: readonly UnitFile[], current: ReadonlyMap<string, string | undefined>, started: ReadonlySet<string>): UnitsPlan {
  const write = wanted.filter((file) => current.get(file.path) !== file.content);
  const restart = [...new Set(write.filter((file) => current.get(file.path) !== undefined && started.has(file.unit)).map((file) => file.unit))];
  return { write, restart, unchanged: wanted.length - write.length };
}
