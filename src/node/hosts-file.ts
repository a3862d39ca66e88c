const BEGIN = '# BEGIN muster: this node';
const END = '# END muster';

/**
 * /etc/hosts with this node's own line in a marked block, so its name resolves locally before
 * DNS has it; everything outside the block is kept as it was. Pure.
 */
export function renderHostsFile(current: string, ip: string, names: readonly string[]): string {
  const block = `${BEGIN}\n${ip}\t${names.join(' ')}\n${END}\n`;
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END, start);
  if (start >= 0 && end > start) return current.slice(0, start) + block + current.slice(end + END.length).replace(/^\n/, '');
  const base = current === '' || current.endsWith('\n') ? current : `${current}\n`;
  return base + block;
}
