import { request, Agent } from 'node:https';
import { XMLParser } from 'fast-xml-parser';
import { systemClock } from '../../core/clock.js';
import { vsphereTransportError, vsphereFault, isTransientFault, type SoapFault } from './errors.js';

/**
 * The few vim25 SOAP envelopes muster sends, over one keep-alive HTTPS connection with the
 * session cookie vCenter sets at Login. No maintained npm package speaks vim25 (the old ones
 * wrap the 20 MB WSDL), and muster needs five calls, so they are written here by hand and the
 * answers read with a maintained XML parser.
 */
export interface SoapOptions {
  /** https://host:port/sdk */
  url: string;
  /** PEM CA bundle; undefined: the system's trusted CAs. */
  ca?: string;
  insecure: boolean;
  timeoutMs: number;
  /** Attempts per call on a transient failure. */
  attempts: number;
  /** vim25 version sent in SOAPAction; 6.5 is understood by every vCenter since 2016. */
  version?: string;
}

/** What a vim25 answer's returnval holds once parsed: nested plain objects, strings and arrays. */
export type XmlNode = string | XmlObject | XmlNode[];
export interface XmlObject {
  [key: string]: XmlNode | undefined;
}

// Elements that vim25 repeats: always arrays, even when there is one (or none).
const REPEATED = new Set(['objects', 'propSet', 'OptionValue', 'returnval', 'missingSet', 'ManagedObjectReference']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  // Values stay strings: a VM named "0123" or an IP must not become a number.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => REPEATED.has(name),
  processEntities: true,
});

export class SoapClient {
  private cookie: string | undefined;
  private readonly agent: Agent;
  private readonly endpoint: URL;
  /** SOAP requests sent (including retries), for the benchmark and the debug log. */
  requests = 0;

  constructor(private readonly options: SoapOptions) {
    this.endpoint = new URL(options.url);
    this.agent = new Agent({ keepAlive: true, maxSockets: 1, ...(options.ca !== undefined ? { ca: options.ca } : {}), rejectUnauthorized: !options.insecure });
  }

  /** Sends `<method xmlns="urn:vim25">body</method>`; returns the response element's children. */
  async call(method: string, body: string, signal?: AbortSignal): Promise<XmlObject> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(method, body, signal);
      } catch (error) {
        if (attempt >= this.options.attempts || !isTransient(error) || signal?.aborted === true) throw error;
        // Cancelled mid-wait: the next attempt reports the cancellation.
        await systemClock.sleep(250 * 2 ** (attempt - 1), signal).catch(() => undefined);
      }
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private async once(method: string, body: string, signal: AbortSignal | undefined): Promise<XmlObject> {
    this.requests++;
    const envelope =
      '<?xml version="1.0" encoding="UTF-8"?>' +
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      `<soapenv:Body><${method} xmlns="urn:vim25">${body}</${method}></soapenv:Body></soapenv:Envelope>`;
    const { status, text, setCookie } = await this.post(envelope, signal);
    if (setCookie !== undefined) this.cookie = setCookie;
    let parsed: XmlObject;
    try {
      parsed = parser.parse(text) as XmlObject;
    } catch (error) {
      throw vsphereTransportError(this.endpoint.host, method, new Error(`HTTP ${status}, not XML: ${String(error)}`), status);
    }
    const soapBody = child(child(parsed, 'Envelope'), 'Body');
    const fault = child(soapBody, 'Fault');
    if (fault !== undefined) throw vsphereFault(this.endpoint.host, method, readFault(fault));
    if (status !== 200) throw vsphereTransportError(this.endpoint.host, method, new Error(`HTTP ${status}`), status);
    // A void method (Logout, DestroyView) answers with an empty element, which parses as "".
    const empty = soapBody?.[`${method}Response`] === '';
    const answer = empty ? {} : child(soapBody, `${method}Response`);
    if (answer === undefined) throw vsphereTransportError(this.endpoint.host, method, new Error('no response element in the answer'), status);
    return answer;
  }

  private post(envelope: string, signal: AbortSignal | undefined): Promise<{ status: number; text: string; setCookie?: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {
        'Content-Type': 'text/xml; charset=utf-8',
        SOAPAction: `urn:vim25/${this.options.version ?? '6.5'}`,
        'Content-Length': String(Buffer.byteLength(envelope)),
      };
      if (this.cookie !== undefined) headers['Cookie'] = this.cookie;
      const req = request(this.endpoint, { method: 'POST', agent: this.agent, headers, timeout: this.options.timeoutMs, ...(signal ? { signal } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(vsphereTransportError(this.endpoint.host, 'read', error)));
        res.on('end', () => {
          const cookie = (res.headers['set-cookie'] ?? []).map((value) => value.split(';')[0] ?? '').find((value) => value.startsWith('vmware_soap_session='));
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ...(cookie !== undefined ? { setCookie: cookie } : {}) });
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${this.options.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (error) => reject(vsphereTransportError(this.endpoint.host, 'request', error)));
      req.end(envelope);
    });
  }
}

function readFault(fault: XmlObject): SoapFault {
  const detail = child(fault, 'detail');
  // vim25 puts the fault object in <detail> as <XFault xsi:type="X">; the type names the fault.
  const [elementName, element] = Object.entries(detail ?? {}).find(([key]) => !key.startsWith('@')) ?? [];
  const typed = element !== undefined && typeof element === 'object' && !Array.isArray(element) ? element['@type'] : undefined;
  const type = typeof typed === 'string' ? typed.replace(/^.*:/, '') : elementName?.replace(/Fault$/, '');
  return { type: type ?? 'unknown', message: text(fault['faultstring']) ?? 'no fault string' };
}

function isTransient(error: unknown): boolean {
  if (error !== null && typeof error === 'object' && 'fault' in error) return isTransientFault((error as { fault: SoapFault }).fault);
  return error !== null && typeof error === 'object' && 'retryable' in error && (error).retryable === true;
}

export function child(node: XmlNode | undefined, name: string): XmlObject | undefined {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return undefined;
  const value = node[name];
  if (Array.isArray(value)) {
    const [first] = value;
    return first !== undefined && typeof first === 'object' && !Array.isArray(first) ? first : undefined;
  }
  return value !== undefined && typeof value === 'object' ? value : undefined;
}

export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return [];
  const value = node[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The text of an element, whether it came with attributes ({ '#text', '@type' }) or without. */
export function text(node: XmlNode | undefined): string | undefined {
  if (typeof node === 'string') return node;
  if (node === undefined || Array.isArray(node)) return undefined;
  const value = node['#text'];
  return typeof value === 'string' ? value : value === undefined ? '' : undefined;
}

/** A managed object reference as vim25 writes it: `<name type="Folder">group-d1</name>`. */
export function moref(name: string, ref: { type: string; value: string }): string {
  return `<${name} type="${escapeXml(ref.type)}">${escapeXml(ref.value)}</${name}>`;
}

export function readMoref(node: XmlNode | undefined): { type: string; value: string } | undefined {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return undefined;
  const type = node['@type'];
  const value = text(node);
  return typeof type === 'string' && value !== undefined ? { type, value } : undefined;
}

export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
