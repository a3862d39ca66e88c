import type { PkiConfig } from './config-schema.js';
import type { CertificateSpec } from './plan.js';
import { nodeSans, sanSet, unionSans } from './sans.js';

/** Who this node is, as far as its certificates go. */
export interface NodeIdentity {
  hostname: string;
  fqdn?: string | undefined;
  ips: readonly string[];
}

export interface FileSettings {
  /** Mode of the key file. */
  keyMode: number;
  owner: string | undefined;
}

/** The node certificate first, then each extra certificate, with the settings of their files. */
export function certificateSpecs(config: PkiConfig, self: NodeIdentity): (CertificateSpec & FileSettings)[] {
  // An ACME CA validates every name it certifies, and a bare host name (no dot) cannot be
  // validated: the CA cannot resolve it for http-01, dns-01 has no zone for it, and public CAs
  // refuse it outright. With the acme issuer the node's names are its FQDN and IPs only.
  const hostname = config.issuer.type === 'acme' && !self.hostname.includes('.') ? undefined : self.hostname;
  const node = nodeSans({ ...self, hostname: hostname ?? '' }, config.extra_sans);
  return [
    // CN: the FQDN, as NodeReg's certificates had; clients check the SANs.
    { name: 'node', sans: node, usages: ['server', 'client'], keyType: config.key.type, ...commonName(self.fqdn || hostname), keyMode: 0o600, owner: undefined },
    ...config.extra.map((extra) => {
      const own = sanSet({ mixed: extra.sans });
      return {
        name: extra.name,
        sans: extra.node_sans ? unionSans(node, own) : own,
        usages: extra.usages,
        keyType: config.key.type,
        ...commonName(extra.common_name ?? (self.fqdn || hostname)),
        keyMode: extra.mode,
        owner: extra.owner,
      };
    }),
  ];
}

/** A CN longer than 64 characters is invalid (RFC 5280): leave it out, the SANs carry the name. */
/** '' (a pki.extra's common_name: '') is kept: it asks for a subject without a CN. */
function commonName(name: string | undefined): { commonName?: string } {
  return name !== undefined && name.length <= 64 ? { commonName: name } : {};
}
