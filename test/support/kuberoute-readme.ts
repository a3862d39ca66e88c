/**
 * kuberoute's README example config, byte for byte (its `namespace` key included, which its
 * code does not read): what `muster kube-dns` must run unchanged.
 */
export const README_EXAMPLE = `[kuberoute]
kubeconfig_kind = serviceaccount
port = 8081
dns_backend = skydns
domain_label = kuberoute_domain
name_label = kuberoute_name
failover_label = kuberoute_failover
quota_label = kuberoute_quota
namespace = default

[skydns]
# host of the etcd instance that skydns uses,
# this is NOT THE SKYDNS HOST
host = etcd.server.url
port = 2379
protocol = http

[route53]
# this section will be ignored.  you could use this
# backend by activating it in the [kuberoute] section
aws_access_key_id = 123456ABCDEF
aws_secret_access_key = abcdefghijk12334677246
`;
