import type { NodeRecord } from './node-record.js';
import { compareText } from '../core/compare-text.js';

/** `muster nodes`: one line per node, sorted by role then name, columns aligned. */
export function renderNodesTable(records: readonly NodeRecord[]): string {
  const rows = sortRecords(records).map((record) => [record.role, record.name, record.ip, record.version, record.boot_time || '?']);
  const header = ['ROLE', 'NAME', 'IP', 'VERSION', 'UP SINCE'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

export function sortRecords(records: readonly NodeRecord[]): NodeRecord[] {
  return [...records].sort((a, b) => compareText(a.role, b.role) || compareText(a.name, b.name));
}
