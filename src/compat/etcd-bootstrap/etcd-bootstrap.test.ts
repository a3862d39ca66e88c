import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig } from '../../config/load.js';
import { isMusterError } from '../../core/errors.js';
import { etcdBootstrapConfig } from './config.js';
import { flagValue } from './exec.js';
import { parseEtcdBootstrapArgs } from './flags.js';

function usageError(args: string[]): string {
  try {
    parseEtcdBootstrapArgs(args);
  } catch (error) {
    assert.ok(isMusterError(error) && error.kind === 'usage', String(error));
    return error.message;
  }
  return assert.fail(`${args.join(' ')} was accepted`);
}

const VMWARE_V1 = ['-cloud', 'vmware', '-vmware-host', 'vc.example.com', '-vmware-username', 'u', '-vmware-password', 'p', '-vmware-vm-name', 'etcd-1', '-vmware-environment', 'prod', '-vmware-role', 'etcd'];

describe('etcd-bootstrap command lines', () => {
  it('reads v1 flags as Go\'s flag package does: one or two dashes, -flag=value or -flag value, bare bools', () => {
    const spellings = [
      ['-cloud', 'aws', '-o', '/run/e.conf'],
      ['--cloud=aws', '-o=/run/e.conf'],
      ['-o', '/run/e.conf', '--cloud', 'aws'],
    ];
    for (const args of spellings) {
      const invocation = parseEtcdBootstrapArgs(args);
      assert.equal(invocation.syntax, 'v1');
      assert.equal(invocation.cloud, 'aws');
      assert.equal(invocation.output, '/run/e.conf');
    }
    assert.equal(parseEtcdBootstrapArgs([...VMWARE_V1, '-vmware-insecure']).vmware.insecure, true);
    assert.equal(parseEtcdBootstrapArgs([...VMWARE_V1, '-vmware-insecure=false']).vmware.insecure, false);
    assert.equal(parseEtcdBootstrapArgs(VMWARE_V1).vmware.insecure, undefined, 'not given: muster verifies (v1 did not)');
    assert.equal(parseEtcdBootstrapArgs(['-cloud', 'aws']).output, '/var/run/etcd-bootstrap.conf');
  });

  it('reads v2 subcommands with cobra\'s flags, before or after the subcommand', () => {
    const invocation = parseEtcdBootstrapArgs(['-o', '/run/e.conf', 'vmware', '-X', '--vsphere-host', 'vc', '--vm-name', 'etcd-1', '--environment', 'prod', '--role', 'etcd', '--insecure-skip-verify', '--max-api-attempts=5']);
    assert.equal(invocation.syntax, 'v2');
    assert.equal(invocation.cloud, 'vmware');
    assert.equal(invocation.debug, true);
    assert.deepEqual(invocation.vmware, { host: 'vc', vmName: 'etcd-1', environment: 'prod', role: 'etcd', insecure: true, attempts: 5 });
    const aws = parseEtcdBootstrapArgs(['aws', '--registration-provider', 'route53', '--r53-zone-id', 'Z1', '--dns-hostname', 'etcd', '--instance-lookup-method', 'srv', '--srv-domain-name', 'example.com']);
    assert.deepEqual(aws.aws, { lookup: 'srv', srvDomain: 'example.com', srvService: 'etcd-bootstrap', registration: 'route53', zoneId: 'Z1', hostname: 'etcd' });
  });

  it('refuses what etcd-bootstrap refused, and what muster does not do, naming the flag', () => {
    assert.match(usageError(['-o', 'x']), /-cloud is required/);
    assert.match(usageError(['-cloud', 'aws', '-bogus', '1']), /unknown flag -bogus/);
    assert.match(usageError(['vmware', '-vm-name', 'x']), /v2 flags take two dashes \(--vm-name\)/);
    assert.match(usageError(['-cloud', 'vmware', '-vmware-host', 'h']), /the -vmware-environment value is required/);
    assert.match(usageError(['vmware', '--vsphere-host', 'h', '--environment', 'e']), /the --role value is required/);
    assert.match(usageError(['-cloud', 'aws', '-route53-zone-id', 'Z1']), /the -domain-name value is required/);
    assert.match(usageError(['aws', '-r', 'lb', '--lb-target-group-name', 'tg']), /lb is not supported/);
    assert.match(usageError(['gcp']), /gcp is not supported/);
    assert.match(usageError(['-cloud', 'aws', '-vmware-port', 'x443']), /not a non-negative whole number/);
    assert.match(usageError(['aws', '--enable-tls', '--tls-ca', '/ca.pem']), /the --tls-cert value is required/);
    assert.match(usageError(['-cloud', 'aws', '-c', 'muster.yaml']), /builds its config from etcd-bootstrap's flags/);
  });

  it('maps vmware flags onto a valid vsphere config, the password kept out of it', () => {
    const mapped = etcdBootstrapConfig(parseEtcdBootstrapArgs([...VMWARE_V1, '-vmware-port', '8443', '--expected-peers', '3']), {}, '/work');
    const config = validateConfig(mapped.document, 'flags');
    assert.deepEqual(config.platform, {
      type: 'vsphere',
      host: 'vc.example.com',
      port: 8443,
      username: 'u',
      insecure: false,
      environment: 'prod',
      role: 'etcd',
      environment_key: 'tags_environment',
      role_key: 'tags_role',
      vm_name: 'etcd-1',
      expected_peers: 3,
      attempts: 3,
      request_timeout: 15_000,
      page_size: 100,
    });
    assert.equal(JSON.stringify(mapped.document).includes('"p"'), false);
    assert.deepEqual(mapped.environment, { VSPHERE_PASSWORD: 'p' });
    assert.equal(config.etcd.env_file, '/var/run/etcd-bootstrap.conf');
    assert.equal(config.etcd.env_style, 'etcd-bootstrap');
    assert.equal(config.etcd.drop_in_file, null);
    assert.ok(mapped.notes.some((note) => /muster verifies it/.test(note)));
    assert.ok(mapped.notes.some((note) => /visible to every user in ps/.test(note)));
  });

  it('takes the vmware image\'s VMWARE_USERNAME / VMWARE_PASSWORD, and etcd\'s ETCD_DATA_DIR', () => {
    const args = ['-cloud', 'vmware', '-vmware-host', 'vc', '-vmware-environment', 'prod', '-vmware-role', 'etcd', '-o', 'rel.conf'];
    const mapped = etcdBootstrapConfig(parseEtcdBootstrapArgs(args), { VMWARE_USERNAME: 'svc', VMWARE_PASSWORD: 'secret', ETCD_DATA_DIR: '/data/etcd' }, '/work');
    const config = validateConfig(mapped.document, 'flags');
    assert.equal(config.platform.type === 'vsphere' && config.platform.username, 'svc');
    assert.deepEqual(mapped.environment, { VSPHERE_PASSWORD: 'secret' });
    assert.equal(config.etcd.data_dir, '/data/etcd');
    assert.equal(config.etcd.env_file, '/work/rel.conf', 'a relative -o is relative to the working directory, as etcd-bootstrap wrote it');
    assert.ok(mapped.notes.some((note) => /--expected-peers/.test(note)));
  });

  it('maps Route 53 registration onto a members record with TTL 300, and SRV lookup onto the dns-srv platform', () => {
    const route53 = etcdBootstrapConfig(parseEtcdBootstrapArgs(['-cloud', 'aws', '-route53-zone-id', 'Z0123', '-domain-name', 'etcd']), {}, '/');
    assert.equal(route53.zoneId, 'Z0123');
    const document = { ...route53.document, dns: { ...(route53.document['dns'] as object), zone: 'example.com' } };
    const config = validateConfig(document, 'flags');
    assert.equal(config.dns?.ttl, 300);
    assert.deepEqual(config.dns?.records, { node: false, members: 'etcd', etcd_srv: false });
    assert.deepEqual(config.dns?.provider, { type: 'route53', zone_id: 'Z0123', wait_for_sync: false });
    assert.deepEqual(config.platform, { type: 'aws', mode: 'asg' });

    const srv = validateConfig(etcdBootstrapConfig(parseEtcdBootstrapArgs(['aws', '--instance-lookup-method', 'srv', '--srv-domain-name', 'example.com', '--expected-peers', '3']), {}, '/').document, 'flags');
    assert.equal(srv.platform.type, 'dns-srv');
    assert.equal(srv.platform.type === 'dns-srv' && srv.platform.expected_peers, 3);
  });

  it('maps --enable-tls onto etcd.tls.files, so etcd runs https without a pki section', () => {
    const args = ['aws', '--enable-tls', '--tls-ca', '/etc/etcd/ca.pem', '--tls-cert', '/etc/etcd/server.pem', '--tls-key', '/etc/etcd/server-key.pem', '--tls-peer-cert', '/etc/etcd/peer.pem', '--tls-peer-key', '/etc/etcd/peer-key.pem'];
    const config = validateConfig(etcdBootstrapConfig(parseEtcdBootstrapArgs(args), {}, '/').document, 'flags');
    assert.equal(config.etcd.client_scheme, 'https');
    assert.equal(config.etcd.peer_scheme, 'https');
    assert.deepEqual(config.etcd.tls.files, { ca: '/etc/etcd/ca.pem', cert: '/etc/etcd/server.pem', key: '/etc/etcd/server-key.pem', peer_cert: '/etc/etcd/peer.pem', peer_key: '/etc/etcd/peer-key.pem' });
  });

  it('finds the data dir in etcd\'s own flags, as etcd reads them', () => {
    assert.equal(flagValue(['--name', 'x', '--data-dir', '/d1'], 'data-dir'), '/d1');
    assert.equal(flagValue(['--data-dir=/d2'], 'data-dir'), '/d2');
    assert.equal(flagValue(['-data-dir', '/d3'], 'data-dir'), '/d3');
    assert.equal(flagValue(['--data-dir-x=/no'], 'data-dir'), undefined);
  });
});
