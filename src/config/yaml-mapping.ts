import { parseDocument } from 'yaml';
import { MusterError } from '../core/errors.js';

/**
 * A YAML file whose top level is a mapping (muster.yaml, cluster.yaml): duplicate keys refused,
 * every syntax error shown with the lines around it.
 */
export function parseYamlMapping(text: string, source: string): Record<string, unknown> {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new MusterError(`${source} is not valid YAML`, {
      code: 'CONFIG_YAML',
      kind: 'config',
      details: document.errors.map((error) => withCodeFrame(error.message)),
      hint: 'fix the YAML syntax at the lines shown',
    });
  }
  const raw: unknown = document.toJS() ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new MusterError(`${source} must be a YAML mapping (key: value pairs) at the top level`, { code: 'CONFIG_SHAPE', kind: 'config' });
  }
  return raw as Record<string, unknown>;
}

/**
 * The yaml library's message with prettyErrors: "<what> at line L, column C:", a blank line, then
 * the offending lines with a caret under the column. The frame is what shows the user where,
 * so it is kept (without the blank line and the trailing newline), one detail per error.
 */
function withCodeFrame(message: string): string {
  const [headline = message, ...frame] = message.replace(/\n+$/, '').split('\n');
  const lines = frame[0] === '' ? frame.slice(1) : frame;
  return [headline, ...lines].join('\n');
}
