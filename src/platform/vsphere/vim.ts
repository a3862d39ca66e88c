import { MusterError } from '../../core/errors.js';
import { child, children, escapeXml, moref, readMoref, text, type SoapClient, type XmlNode } from './soap.js';

/** One VM as the property collector reported it: only the properties muster asked for. */
export interface VmRecord {
  moref: string;
  name: string;
  /** BIOS UUID (config.uuid): what the guest sees as its SMBIOS product UUID. */
  uuid: string | undefined;
  powerState: string | undefined;
  ip: string | undefined;
  extraConfig: Record<string, string>;
}

type Ref = { type: string; value: string };

interface ServiceContent {
  rootFolder: Ref;
  propertyCollector: Ref;
  viewManager: Ref;
  sessionManager: Ref;
}

export const VM_PROPERTIES = ['config.name', 'config.uuid', 'config.extraConfig', 'summary.runtime.powerState', 'summary.guest.ipAddress'] as const;

const SERVICE_INSTANCE: Ref = { type: 'ServiceInstance', value: 'ServiceInstance' };

/**
 * Every VM under the root folder in as few calls as vim25 allows: service content, login, one
 * container view, RetrievePropertiesEx pages of `pageSize` VMs, then the view destroyed and the
 * session logged out (vCenter limits sessions per user, and a boot must not leak one).
 */
export async function listVirtualMachines(soap: SoapClient, credentials: { username: string; password: string }, pageSize: number, signal?: AbortSignal): Promise<VmRecord[]> {
  const content = await retrieveServiceContent(soap, signal);
  await soap.call('Login', `${moref('_this', content.sessionManager)}<userName>${escapeXml(credentials.username)}</userName><password>${escapeXml(credentials.password)}</password>`, signal);
  try {
    const view = await createContainerView(soap, content, signal);
    try {
      return await retrieveAll(soap, content.propertyCollector, view, pageSize, signal);
    } finally {
      await soap.call('DestroyView', moref('_this', view)).catch(() => undefined);
    }
  } finally {
    await soap.call('Logout', moref('_this', content.sessionManager)).catch(() => undefined);
  }
}

async function retrieveServiceContent(soap: SoapClient, signal?: AbortSignal): Promise<ServiceContent> {
  const answer = await soap.call('RetrieveServiceContent', moref('_this', SERVICE_INSTANCE), signal);
  const returnval = child(answer, 'returnval');
  const pick = (name: string): Ref => {
    const ref = readMoref(child(returnval, name));
    if (ref === undefined) throw new MusterError(`vsphere: the service content has no ${name}: this is no vCenter`, { code: 'VSPHERE_NOT_VCENTER', kind: 'config', hint: 'check platform.host and platform.port' });
    return ref;
  };
  return { rootFolder: pick('rootFolder'), propertyCollector: pick('propertyCollector'), viewManager: pick('viewManager'), sessionManager: pick('sessionManager') };
}

async function createContainerView(soap: SoapClient, content: ServiceContent, signal?: AbortSignal): Promise<Ref> {
  const answer = await soap.call(
    'CreateContainerView',
    `${moref('_this', content.viewManager)}${moref('container', content.rootFolder)}<type>VirtualMachine</type><recursive>true</recursive>`,
    signal,
  );
  const view = readMoref(child(answer, 'returnval'));
  if (view === undefined) throw new MusterError('vsphere: CreateContainerView returned no view', { code: 'VSPHERE_FAULT', kind: 'unavailable', retryable: true });
  return view;
}

async function retrieveAll(soap: SoapClient, collector: Ref, view: Ref, pageSize: number, signal?: AbortSignal): Promise<VmRecord[]> {
  const spec =
    '<specSet>' +
    `<propSet><type>VirtualMachine</type>${VM_PROPERTIES.map((path) => `<pathSet>${path}</pathSet>`).join('')}</propSet>` +
    `<objectSet>${moref('obj', view)}<skip>true</skip>` +
    '<selectSet xsi:type="TraversalSpec"><name>view</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet>' +
    '</objectSet></specSet>';
  const vms: VmRecord[] = [];
  let answer = await soap.call('RetrievePropertiesEx', `${moref('_this', collector)}${spec}<options><maxObjects>${pageSize}</maxObjects></options>`, signal);
  for (;;) {
    const result = child(answer, 'returnval');
    for (const object of children(result, 'objects')) vms.push(readVm(object));
    const token = text(child(result, 'token') ?? result?.['token']);
    if (token === undefined || token === '') return vms;
    answer = await soap.call('ContinueRetrievePropertiesEx', `${moref('_this', collector)}<token>${escapeXml(token)}</token>`, signal);
  }
}

function readVm(object: XmlNode): VmRecord {
  const ref = typeof object === 'object' && !Array.isArray(object) ? readMoref(object['obj']) : undefined;
  const properties = new Map<string, XmlNode | undefined>();
  for (const property of children(object, 'propSet')) {
    const name = typeof property === 'object' && !Array.isArray(property) ? text(property['name']) : undefined;
    if (name !== undefined && typeof property === 'object' && !Array.isArray(property)) properties.set(name, property['val']);
  }
  const extraConfig: Record<string, string> = {};
  for (const option of children(properties.get('config.extraConfig'), 'OptionValue')) {
    if (typeof option !== 'object' || Array.isArray(option)) continue;
    const key = text(option['key']);
    if (key !== undefined) extraConfig[key] = text(option['value']) ?? '';
  }
  const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);
  return {
    moref: ref?.value ?? '',
    name: text(properties.get('config.name')) ?? ref?.value ?? '',
    uuid: nonEmpty(text(properties.get('config.uuid'))),
    powerState: nonEmpty(text(properties.get('summary.runtime.powerState'))),
    ip: nonEmpty(text(properties.get('summary.guest.ipAddress'))),
    extraConfig,
  };
}
