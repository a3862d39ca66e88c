import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMusterError } from '../core/errors.js';
import { parseKubeDnsText } from './config-load.js';
import { parseIni } from './ini-file.js';
import { formatReport, stateReport } from './report.js';
import { README_EXAMPLE } from '../../test/support/kuberoute-readme.js';


describe('kuberoute INI', () => {
  it('reads configparser\'s syntax: key: value, comments, case-insensitive keys, continuation lines, %%', () => {
    const sections = parseIni('[A]\nKey: one\n  two\n; c\n# c\nother = 100%%\n');
    assert.equal(sections.get('A')?.get('key')?.value, 'one\ntwo');
    assert.equal(sections.get('A')?.get('other')?.value, '100%');
  });

  it('maps the README example onto muster\'s kube-dns config', () => {
    const loaded = parseKubeDnsText(README_EXAMPLE, '/etc/kuberoute/config');
    assert.equal(loaded.format, 'kuberoute-ini');
    assert.equal(loaded.file.kube_dns.kubernetes.auth, 'in-cluster');
    assert.deepEqual(loaded.file.kube_dns.namespaces, ['default']);
    assert.equal(loaded.file.kube_dns.port, 8081);
    assert.deepEqual(loaded.file.kube_dns.labels, { domain: 'kuberoute_domain', name: 'kuberoute_name', failover: 'kuberoute_failover', quota: 'kuberoute_quota' });
    assert.deepEqual(loaded.file.dns.provider, { type: 'coredns-etcd', endpoints: ['http://etcd.server.url:2379'], prefix: '/skydns' });
    assert.equal(loaded.file.dns.take_over, true);
    assert.deepEqual(loaded.env, {}, 'the [route53] keys of an unused backend are not used');
    assert.ok(loaded.notices.some((notice) => /namespace is read as namespaces/.test(notice)));
  });

  it('maps kubernetes_url with verify and the CA, route53 keys to the SDK, s3report (region honoured), heartbeat and replacements', () => {
    const loaded = parseKubeDnsText(
      `[kuberoute]\nkubeconfig_kind = kubernetes_url\ndns_backend = route53\nnamespaces = a, b\n[kubernetes_url]\nurl = https://127.0.0.1:8080\nverify = no\ncertificate_authority = /var/lib/ssl/ca.crt\n[route53]\naws_access_key_id = AK\naws_secret_access_key = SK\n[s3report]\naws_access_key_id = A2\naws_secret_access_key = S2\nregion_name = eu-west-1\nbucket_name = statusreport-bucket\nkey = _TEMPLATE_START_env_TEMPLATE_END_/state\nacl = public-read\n[heartbeat]\nname_template = hb\n[replacements]\nenv = prod\n`,
      'kuberoute.ini',
    );
    assert.deepEqual(loaded.file.kube_dns.kubernetes, { auth: 'url', url: 'https://127.0.0.1:8080', verify: false, ca_file: '/var/lib/ssl/ca.crt', service_account_dir: '/var/run/secrets/kubernetes.io/serviceaccount', timeout: 30_000 });
    assert.deepEqual(loaded.file.kube_dns.namespaces, ['a', 'b']);
    assert.deepEqual(loaded.env, { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'SK' });
    assert.deepEqual(loaded.file.kube_dns.report.s3, { bucket: 'statusreport-bucket', key: '_TEMPLATE_START_env_TEMPLATE_END_/state', access_key_id: 'A2', secret_access_key: 'S2', region: 'eu-west-1', acl: 'public-read', content_type: 'application/json' });
    assert.equal(loaded.file.kube_dns.heartbeat?.timestamp_template, '_TEMPLATE_START_timestamp_TEMPLATE_END_.kuberoute.timestamp');
    assert.deepEqual(loaded.file.kube_dns.replacements, { env: 'prod' });
  });

  it('reports unknown keys with the nearest one, and refuses bad values with their key', () => {
    const loaded = parseKubeDnsText('[kuberoute]\ndns_backend = fakedns\ndomian_label = x\n', 'k.ini');
    assert.ok(loaded.notices.some((notice) => /\[kuberoute\] domian_label \(line 3\) is not a kuberoute key and is ignored \(did you mean domain_label/.test(notice)));
    assert.throws(
      () => parseKubeDnsText('[kuberoute]\ndns_backend = bind\nkubeconfig_kind = magic\n', 'k.ini'),
      (error: unknown) => isMusterError(error) && error.details.some((line) => /\[kuberoute\] dns_backend → "bind" is not a kuberoute dns_backend \(one of: route53, skydns, fakedns\)/.test(line)) && error.details.some((line) => /kubeconfig_kind/.test(line)),
    );
  });

  it('an incomplete [s3report] disables the report with a notice, as kuberoute did silently', () => {
    const loaded = parseKubeDnsText('[kuberoute]\ndns_backend = fakedns\n[s3report]\nbucket_name = b\n', 'k.ini');
    assert.equal(loaded.file.kube_dns.report.s3, undefined);
    assert.ok(loaded.notices.some((notice) => /lacks key, aws_access_key_id, aws_secret_access_key/.test(notice)));
  });
});

describe('the state report', () => {
  it('has kuberoute\'s JSON shape: sorted keys, 4-space indent', () => {
    const text = formatReport(
      stateReport(true, [{ name: 'n1', ready: true, schedulable: true, addresses: [] }], [
        { service: 'default/web', name: 'quatsch.example.com', zone: 'example.com.', endpoints: ['10.0.0.1'], quota: 80, current_quota: 66, healthy: false, mode: 'primary', published: 'addresses' },
      ]),
    );
    assert.equal(
      text,
      `{\n    "apiserver_available": true,\n    "nodes": {\n        "n1": {\n            "ready": true,\n            "schedulable": true\n        }\n    },\n    "services": {\n        "quatsch.example.com": {\n            "current_quota": 66,\n            "endpoints": [\n                "10.0.0.1"\n            ],\n            "healthy": false,\n            "quota": 80\n        }\n    }\n}`,
    );
  });
});
