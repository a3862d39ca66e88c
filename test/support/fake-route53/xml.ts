/**
 * Just enough XML for the fake: a reader for the request bodies the SDK sends (elements, text,
 * entities; no CDATA, comments or DTDs, which AWS requests never contain) and a writer.
 */

export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

export class XmlSyntaxError extends Error {}

export function parseXml(source: string): XmlElement {
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<\?[^?]*\?>/g;
  let last = 0;
  for (let match = tag.exec(source); match !== null; match = tag.exec(source)) {
    const top = stack.at(-1) as XmlElement;
    top.text += decodeEntities(source.slice(last, match.index));
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = match;
    if (name === undefined) continue; // the <?xml ...?> declaration
    if (closing === '/') {
      if (top.name !== localName(name)) throw new XmlSyntaxError(`unexpected </${name}>`);
      stack.pop();
      continue;
    }
    const element: XmlElement = { name: localName(name), children: [], text: '' };
    top.children.push(element);
    if (selfClosing !== '/') stack.push(element);
  }
  if (stack.length !== 1 || source.slice(last).trim() !== '') throw new XmlSyntaxError('unterminated document');
  const [document] = root.children;
  if (document === undefined || root.children.length !== 1) throw new XmlSyntaxError('expected one root element');
  return document;
}

/** The first child named `name`, or undefined. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((candidate) => candidate.name === name);
}

export function children(element: XmlElement | undefined, name: string): XmlElement[] {
  return element?.children.filter((candidate) => candidate.name === name) ?? [];
}

/** Text of the child `name`, or undefined when there is no such child. */
export function childText(element: XmlElement | undefined, name: string): string | undefined {
  return child(element, name)?.text;
}

export function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char] ?? char);
}

/** `<name>value</name>` with the value escaped; nothing when the value is undefined. */
export function element(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

function decodeEntities(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[entity] ?? '';
  });
}
