/**
 * INI as Python's configparser reads it (kuberoute's config format): `[section]`, `key = value`
 * or `key: value`, full-line `#` and `;` comments, keys case-insensitive, indented lines continue
 * the previous value, `%%` is a literal `%` (BasicInterpolation). The `ini` package reads
 * differently (no `key: value`, "true" becomes a boolean), so this small reader keeps exactly
 * the file's strings and the line of every key, for error messages.
 */
export interface IniValue {
  value: string;
  line: number;
}

export type IniSections = Map<string, Map<string, IniValue>>;

export class IniError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let section: Map<string, IniValue> | undefined;
  let last: IniValue | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (/^\s*([#;].*)?$/.test(raw)) {
      last = undefined;
      return;
    }
    if (/^\s/.test(raw) && last !== undefined) {
      last.value = `${last.value}\n${raw.trim()}`;
      return;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      const name = header[1] ?? '';
      if (sections.has(name)) throw new IniError(line, `section [${name}] appears twice`);
      section = new Map();
      sections.set(name, section);
      last = undefined;
      return;
    }
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw.trimStart());
    if (!pair) throw new IniError(line, `"${raw.trim()}" is neither [section] nor key = value`);
    if (section === undefined) throw new IniError(line, 'a key before the first [section]');
    const key = (pair[1] ?? '').toLowerCase();
    if (section.has(key)) throw new IniError(line, `key ${key} appears twice in its section`);
    last = { value: (pair[2] ?? '').trim().replace(/%%/g, '%'), line };
    section.set(key, last);
  });
  return sections;
}
