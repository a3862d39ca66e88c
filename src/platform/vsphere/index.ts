import { readFile } from 'node:fs/promises';
import { MusterError } from '../../core/errors.js';
import type { Discovery, Platform } from '../types.js';
import type { VspherePlatformConfig } from './schema.js';
import { selectGroup, type SelfMatcher } from './select.js';
import { SoapClient } from './soap.js';
import { listVirtualMachines } from './vim.js';

/** Where Linux shows the SMBIOS system UUID, which VMware sets to the VM's BIOS UUID (root only). */
export const PRODUCT_UUID_PATH = '/sys/class/dmi/id/product_uuid';

export interface VsphereOptions {
  env?: NodeJS.ProcessEnv;
  /** Called with the SOAP request count of each discovery (the benchmark reads it). */
  onRequests?: (count: number) => void;
}

/**
 * Peers are the powered-on VMs whose extraConfig names this group (etcd-bootstrap's vmware
 * cloud), read from vCenter with one property-collector query per page of VMs.
 */
export function createVspherePlatform(config: VspherePlatformConfig, options: VsphereOptions = {}): Platform {
  const env = options.env ?? process.env;
  const url = `https://${config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host}:${config.port}/sdk`;
  return {
    type: 'vsphere',
    async discover(signal?: AbortSignal): Promise<Discovery> {
      const [credentials, ca, self] = await Promise.all([readCredentials(config, env), readCa(config), selfMatcher(config)]);
      const soap = new SoapClient({ url, insecure: config.insecure, timeoutMs: config.request_timeout, attempts: config.attempts, ...(ca !== undefined ? { ca } : {}) });
      try {
        const vms = await listVirtualMachines(soap, credentials, config.page_size, signal);
        return selectGroup(vms, config, self);
      } finally {
        options.onRequests?.(soap.requests);
        soap.close();
      }
    },
  };
}

async function readCredentials(config: VspherePlatformConfig, env: NodeJS.ProcessEnv): Promise<{ username: string; password: string }> {
  const username = config.username ?? env['VSPHERE_USERNAME'];
  if (username === undefined || username === '') {
    throw new MusterError('vsphere: no vCenter user', { code: 'VSPHERE_NO_CREDENTIALS', kind: 'config', hint: 'set platform.username or $VSPHERE_USERNAME' });
  }
  if (config.password_file !== undefined) {
    try {
      return { username, password: (await readFile(config.password_file, 'utf8')).replace(/\r?\n$/, '') };
    } catch (error) {
      throw new MusterError(`vsphere: cannot read platform.password_file ${config.password_file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
        code: 'VSPHERE_NO_CREDENTIALS',
        kind: 'config',
        hint: 'the file is usually delivered by user-data; check its path and that muster (root) may read it',
        cause: error,
      });
    }
  }
  const password = env['VSPHERE_PASSWORD'];
  if (password === undefined) {
    throw new MusterError('vsphere: no vCenter password', { code: 'VSPHERE_NO_CREDENTIALS', kind: 'config', hint: 'set platform.password_file, or $VSPHERE_PASSWORD in muster\'s environment' });
  }
  return { username, password };
}

async function readCa(config: VspherePlatformConfig): Promise<string | undefined> {
  if (config.ca_file === undefined) return undefined;
  try {
    return await readFile(config.ca_file, 'utf8');
  } catch (error) {
    throw new MusterError(`vsphere: cannot read platform.ca_file ${config.ca_file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { code: 'VSPHERE_CA_UNREADABLE', kind: 'config', cause: error });
  }
}

async function selfMatcher(config: VspherePlatformConfig): Promise<SelfMatcher> {
  if (config.vm_name !== undefined) return { vmName: config.vm_name };
  try {
    const uuid = (await readFile(PRODUCT_UUID_PATH, 'utf8')).trim();
    if (uuid !== '') return { uuid };
  } catch {
    // Unreadable (not root) or absent (not a VM): the error below says what to do.
  }
  throw new MusterError(`vsphere: cannot tell which VM this is: ${PRODUCT_UUID_PATH} is unreadable or empty`, {
    code: 'VSPHERE_SELF_UNKNOWN',
    kind: 'config',
    hint: 'set platform.vm_name to this VM\'s name in vCenter, or run muster as root on the VM so it can read the BIOS UUID',
  });
}
