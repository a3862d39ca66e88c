import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { hasVcsim, startVcsim, type Vcsim } from './vcsim.js';

// The harness itself, read with raw SOAP (not muster's client): TLS against caFile, Login, and the
// fixture's VMs as a PropertyCollector returns them.
const vcsimMissing = (await hasVcsim()) ? false : 'Go and govmomi are not installed: apt-get install golang-go golang-github-vmware-govmomi-dev';

describe('vcsim test harness', { skip: vcsimMissing }, () => {
  let sim: Vcsim;
  let ca: string;
  const tags = { tags_environment: 'prod', tags_role: 'etcd' };

  before(async () => {
    sim = await startVcsim({
      vms: [
        { name: 'etcd-0', extraConfig: tags, powerOn: true, ip: '127.0.0.1' },
        { name: 'etcd-1', extraConfig: tags, powerOn: true, ip: '127.0.0.2', ipAfterMs: 1500 },
        { name: 'etcd-2', extraConfig: tags, powerOn: false, ip: '' },
      ],
      count: 2,
      username: 'svc-muster',
      password: 's3cret',
    });
    ca = await readFile(sim.caFile, 'utf8');
  });
  after(async () => {
    await sim?.stop();
  });

  it('makes the fixture VMs, then the generated ones', () => {
    assert.deepEqual(
      sim.vms.map((vm) => vm.name),
      ['etcd-0', 'etcd-1', 'etcd-2', 'prod-etcd-0000', 'prod-etcd-0001'],
    );
    for (const vm of sim.vms) assert.match(vm.moref, /^vm-\d+$/);
    assert.equal(sim.url, `https://127.0.0.1:${sim.port}/sdk`);
  });

  it('refuses a wrong password with InvalidLogin', async () => {
    const response = await soap(sim, ca, login(sim.username, 'wrong'));
    assert.equal(response.status, 500);
    assert.match(response.body, /xsi:type="InvalidLogin"/);
  });

  it('serves the fixture through RetrievePropertiesEx, a late guest IP included, and counts the requests', async () => {
    await sim.resetStats();
    const session = await soap(sim, ca, login(sim.username, sim.password));
    assert.equal(session.status, 200, session.body);
    const cookie = session.cookie;
    const view = await soap(sim, ca, containerView(), cookie);
    const viewRef = /<returnval type="ContainerView">([^<]+)<\/returnval>/.exec(view.body)?.[1] ?? assert.fail(view.body);

    const first = parseVms((await soap(sim, ca, retrieveVms(viewRef), cookie)).body);
    assert.deepEqual(first.get('etcd-0'), { ip: '127.0.0.1', power: 'poweredOn', tags: 'prod/etcd' });
    assert.deepEqual(first.get('etcd-1'), { ip: undefined, power: 'poweredOn', tags: 'prod/etcd' });
    assert.deepEqual(first.get('etcd-2'), { ip: undefined, power: 'poweredOff', tags: 'prod/etcd' });
    assert.deepEqual(first.get('prod-etcd-0001'), { ip: '10.0.0.2', power: 'poweredOn', tags: 'prod/etcd' });

    let late: string | undefined;
    for (const deadline = Date.now() + 10_000; late === undefined && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      late = parseVms((await soap(sim, ca, retrieveVms(viewRef), cookie)).body).get('etcd-1')?.ip;
    }
    assert.equal(late, '127.0.0.2');

    const stats = await sim.stats();
    const retrieves = stats.methods['RetrievePropertiesEx'] ?? 0;
    assert.ok(retrieves >= 2);
    assert.deepEqual(stats, { requests: 2 + retrieves, methods: { Login: 1, CreateContainerView: 1, RetrievePropertiesEx: retrieves } });
  });

  it('pages RetrievePropertiesEx like vCenter: maxObjects objects and a token, then ContinueRetrievePropertiesEx', async () => {
    const session = await soap(sim, ca, login(sim.username, sim.password));
    const cookie = session.cookie;
    const view = await soap(sim, ca, containerView(), cookie);
    const viewRef = /<returnval type="ContainerView">([^<]+)<\/returnval>/.exec(view.body)?.[1] ?? assert.fail(view.body);
    await sim.resetStats();

    const pages: { names: string[]; token: string | undefined }[] = [];
    let answer = await soap(sim, ca, retrieveVms(viewRef, 2), cookie);
    for (;;) {
      assert.equal(answer.status, 200, answer.body);
      const token = /<token>([^<]*)<\/token>/.exec(answer.body)?.[1];
      pages.push({ names: [...parseVms(answer.body).keys()], token });
      if (token === undefined || pages.length === 5) break;
      answer = await soap(sim, ca, continueRetrieve(token), cookie);
    }
    assert.deepEqual(pages.map((page) => [page.names.length, page.token !== undefined]), [[2, true], [2, true], [1, false]]);
    assert.deepEqual(pages.flatMap((page) => page.names).sort(), sim.vms.map((vm) => vm.name).sort());

    // A used token is gone; Cancel drops the rest of a retrieval.
    const reused = await soap(sim, ca, continueRetrieve(pages[0]?.token ?? ''), cookie);
    assert.equal(reused.status, 500);
    assert.match(reused.body, /xsi:type="InvalidArgument"/);
    const token = /<token>([^<]*)<\/token>/.exec((await soap(sim, ca, retrieveVms(viewRef, 2), cookie)).body)?.[1] ?? assert.fail('no token');
    assert.equal((await soap(sim, ca, `<CancelRetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><token>${token}</token></CancelRetrievePropertiesEx>`, cookie)).status, 200);
    assert.match((await soap(sim, ca, continueRetrieve(token), cookie)).body, /xsi:type="InvalidArgument"/);

    // Without maxObjects: everything at once, no token.
    const all = await soap(sim, ca, retrieveVms(viewRef, 0), cookie);
    assert.equal(parseVms(all.body).size, 5);
    assert.doesNotMatch(all.body, /<token>/);

    const { methods } = await sim.stats();
    assert.deepEqual(methods, { RetrievePropertiesEx: 3, ContinueRetrievePropertiesEx: 4, CancelRetrievePropertiesEx: 1 });
  });
});

function login(user: string, password: string): string {
  return `<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>${user}</userName><password>${password}</password></Login>`;
}

/** A view of every VM under the root folder. */
function containerView(): string {
  return `<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive></CreateContainerView>`;
}

/** maxObjects 0: no options, so no paging. */
function retrieveVms(viewRef: string, maxObjects = 100): string {
  const props = ['name', 'summary.guest.ipAddress', 'runtime.powerState', 'config.extraConfig'].map((p) => `<pathSet>${p}</pathSet>`).join('');
  return `<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet>
<propSet><type>VirtualMachine</type>${props}</propSet>
<objectSet><obj type="ContainerView">${viewRef}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><name>view</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet>
</specSet>${maxObjects > 0 ? `<options><maxObjects>${maxObjects}</maxObjects></options>` : '<options/>'}</RetrievePropertiesEx>`;
}

function continueRetrieve(token: string): string {
  return `<ContinueRetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><token>${token}</token></ContinueRetrievePropertiesEx>`;
}

/** name → guest IP, power state and "environment/role" out of a RetrievePropertiesEx answer. */
function parseVms(body: string): Map<string, { ip: string | undefined; power: string; tags: string }> {
  const vms = new Map<string, { ip: string | undefined; power: string; tags: string }>();
  for (const [, object = ''] of body.matchAll(/<objects>(.*?)<\/objects>/gs)) {
    const prop = (name: string): string | undefined => new RegExp(`<name>${name}</name><val[^>]*>(.*?)</val>`, 's').exec(object)?.[1];
    const option = (key: string): string | undefined => new RegExp(`<key>${key}</key><value[^>]*>(.*?)</value>`).exec(object)?.[1];
    vms.set(prop('name') ?? '', { ip: prop('summary\\.guest\\.ipAddress'), power: prop('runtime\\.powerState') ?? '', tags: `${option('tags_environment')}/${option('tags_role')}` });
  }
  return vms;
}

async function soap(sim: Vcsim, ca: string, method: string, cookie?: string): Promise<{ status: number; body: string; cookie: string }> {
  const envelope = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${method}</soapenv:Body></soapenv:Envelope>`;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: 'urn:vim25/6.5' };
    if (cookie) headers['Cookie'] = cookie;
    const req = request(sim.url, { method: 'POST', ca, headers, timeout: 5_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, cookie: (response.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ') }));
    });
    req.on('timeout', () => req.destroy(new Error('SOAP request timed out')));
    req.on('error', reject);
    req.end(envelope);
  });
}
