import { readFile } from 'node:fs/promises';
import { createVspherePlatform } from '../src/platform/vsphere/index.js';
import { vspherePlatformSchema } from '../src/platform/vsphere/schema.js';
import { child, children, moref, readMoref, SoapClient } from '../src/platform/vsphere/soap.js';
import { VM_PROPERTIES } from '../src/platform/vsphere/vim.js';
import { startVcsim, type Vcsim } from '../test/support/vcsim.js';
import { median, type Row } from './stats.js';

const ROUNDS = 5;

/**
 * What a client that reads VM by VM does (a loop over the view's VMs, one property read each):
 * the baseline the issue's target is set against ("one page per 100 VMs, not one call per VM").
 */
async function perVmDiscovery(vcsim: Vcsim): Promise<void> {
  const soap = new SoapClient({ url: vcsim.url, ca: await readFile(vcsim.caFile, 'utf8'), insecure: false, timeoutMs: 30_000, attempts: 1 });
  try {
    const content = child(await soap.call('RetrieveServiceContent', moref('_this', { type: 'ServiceInstance', value: 'ServiceInstance' })), 'returnval');
    const ref = (name: string) => readMoref(child(content, name)) as { type: string; value: string };
    await soap.call('Login', `${moref('_this', ref('sessionManager'))}<userName>${vcsim.username}</userName><password>${vcsim.password}</password>`);
    const view = readMoref(child(await soap.call('CreateContainerView', `${moref('_this', ref('viewManager'))}${moref('container', ref('rootFolder'))}<type>VirtualMachine</type><recursive>true</recursive>`), 'returnval')) as { type: string; value: string };
    const listing = await soap.call('RetrievePropertiesEx', `${moref('_this', ref('propertyCollector'))}<specSet><propSet><type>ContainerView</type><pathSet>view</pathSet></propSet><objectSet>${moref('obj', view)}</objectSet></specSet><options></options>`);
    const vms = children(child(child(child(child(listing, 'returnval'), 'objects'), 'propSet'), 'val'), 'ManagedObjectReference').map((node) => readMoref(node) as { type: string; value: string });
    for (const vm of vms) {
      await soap.call('RetrievePropertiesEx', `${moref('_this', ref('propertyCollector'))}<specSet><propSet><type>VirtualMachine</type>${VM_PROPERTIES.map((path) => `<pathSet>${path}</pathSet>`).join('')}</propSet><objectSet>${moref('obj', vm)}</objectSet></specSet><options></options>`);
    }
    await soap.call('Logout', moref('_this', ref('sessionManager')));
  } finally {
    soap.close();
  }
}

async function measure(run: () => Promise<void>, vcsim: Vcsim): Promise<{ ms: number; calls: number }> {
  const times: number[] = [];
  let calls = 0;
  for (let round = 0; round < ROUNDS; round++) {
    await vcsim.resetStats();
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
    calls = (await vcsim.stats()).requests;
  }
  return { ms: median(times), calls };
}

/** vSphere discovery against the govmomi simulator, for 10 and 500 VMs of one group. */
export async function benchVsphere(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const count of [10, 500]) {
    const vcsim = await startVcsim({ count, env: 'prod', role: 'etcd' });
    try {
      const config = vspherePlatformSchema.parse({ type: 'vsphere', host: vcsim.host, port: vcsim.port, username: vcsim.username, ca_file: vcsim.caFile, environment: 'prod', role: 'etcd', vm_name: 'prod-etcd-0000', expected_peers: count });
      const platform = createVspherePlatform(config, { env: { VSPHERE_PASSWORD: vcsim.password } });
      const muster = await measure(async () => void (await platform.discover()), vcsim);
      const naive = await measure(() => perVmDiscovery(vcsim), vcsim);
      const pages = Math.ceil(count / config.page_size);
      rows.push(
        { what: `vSphere discovery of ${count} VMs, SOAP calls`, subject: 'muster', baseline: 'one property read per VM', subjectValue: muster.calls, baselineValue: naive.calls, unit: 'calls', target: `${pages} RetrievePropertiesEx page${pages === 1 ? '' : 's'} + 5 (content, login, view, destroy, logout) = ${pages + 5}` },
        { what: `vSphere discovery of ${count} VMs, wall time (median of ${ROUNDS})`, subject: 'muster', baseline: 'one property read per VM', subjectValue: muster.ms, baselineValue: naive.ms, unit: 'ms' },
      );
    } finally {
      await vcsim.stop();
    }
  }
  return rows;
}
