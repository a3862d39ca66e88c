import { MusterError } from '../../core/errors.js';

/**
 * etcd-bootstrap's command lines, read as its two versions did: v1 was Go's `flag` package
 * (`-cloud aws -o FILE -vmware-host H`, one or two dashes, `-flag=value` or `-flag value`, a
 * bool only as `-flag` or `-flag=false`); v2 was cobra (`aws|vmware` subcommands, `--flag value`,
 * `-o FILE`, `-X`). Pure: the command turns the result into a muster config.
 */
export interface EtcdBootstrapInvocation {
  syntax: 'v1' | 'v2';
  cloud: 'aws' | 'vmware';
  output: string;
  debug: boolean;
  help: boolean;
  /** muster's own options, accepted here too. */
  muster: { logLevel?: string; dryRun?: boolean; json?: boolean; promoteLearner?: boolean };
  aws: {
    lookup: 'asg' | 'srv';
    srvDomain?: string;
    srvService: string;
    registration: 'noop' | 'route53' | 'lb';
    zoneId?: string;
    hostname?: string;
  };
  vmware: { username?: string; password?: string; host?: string; port?: number; insecure?: boolean; attempts?: number; vmName?: string; environment?: string; role?: string; caFile?: string };
  /** v2's --enable-tls, and the files its --tls-* flags name (used only when enabled). */
  enableTls: boolean;
  tls: { ca?: string; cert?: string; key?: string; peerCa?: string; peerCert?: string; peerKey?: string };
  /** muster's addition: the group size, without which vSphere and SRV discoveries never create a cluster. */
  expectedPeers?: number;
}

export const DEFAULT_OUTPUT = '/var/run/etcd-bootstrap.conf';

type Kind = 'string' | 'bool' | 'uint';
interface FlagSpec {
  kind: Kind;
  set: (invocation: EtcdBootstrapInvocation, value: string) => void;
  /** Added by muster (not etcd-bootstrap's). */
  muster?: boolean;
}

const str = (set: (i: EtcdBootstrapInvocation, value: string) => void): FlagSpec => ({ kind: 'string', set });
const uint = (set: (i: EtcdBootstrapInvocation, value: number) => void): FlagSpec => ({ kind: 'uint', set: (i, value) => set(i, Number(value)) });
const bool = (set: (i: EtcdBootstrapInvocation, value: boolean) => void): FlagSpec => ({ kind: 'bool', set: (i, value) => set(i, value === 'true' || value === '1' || value === 't' || value === 'T' || value === 'TRUE' || value === 'True') });
const own = (spec: FlagSpec): FlagSpec => ({ ...spec, muster: true });

const MUSTER_GLOBALS: Record<string, FlagSpec> = {
  config: own(str(() => {
    throw configGiven();
  })),
  c: own(str(() => {
    throw configGiven();
  })),
  'log-level': own(str((i, v) => (i.muster.logLevel = v))),
  'expected-peers': own(uint((i, v) => (i.expectedPeers = v))),
  'dry-run': own(bool((i, v) => (i.muster.dryRun = v))),
  json: own(bool((i, v) => (i.muster.json = v))),
  // Internal: the background process that promotes this node once its etcd has caught up.
  'muster-promote-learner': own(bool((i, v) => (i.muster.promoteLearner = v))),
  help: bool((i, v) => (i.help = v)),
  h: bool((i, v) => (i.help = v)),
};

const V1_FLAGS: Record<string, FlagSpec> = {
  ...MUSTER_GLOBALS,
  cloud: str((i, v) => {
    if (v !== 'aws' && v !== 'vmware') throw usage(`-cloud ${v}: etcd-bootstrap knew aws and vmware`);
    i.cloud = v;
  }),
  o: str((i, v) => (i.output = v)),
  'route53-zone-id': str((i, v) => (i.aws.zoneId = v)),
  'domain-name': str((i, v) => (i.aws.hostname = v)),
  'vmware-username': str((i, v) => (i.vmware.username = v)),
  'vmware-password': str((i, v) => (i.vmware.password = v)),
  'vmware-host': str((i, v) => (i.vmware.host = v)),
  'vmware-port': uint((i, v) => (i.vmware.port = v)),
  'vmware-insecure': bool((i, v) => (i.vmware.insecure = v)),
  'vmware-attempts': uint((i, v) => (i.vmware.attempts = v)),
  'vmware-vm-name': str((i, v) => (i.vmware.vmName = v)),
  'vmware-environment': str((i, v) => (i.vmware.environment = v)),
  'vmware-role': str((i, v) => (i.vmware.role = v)),
  'vmware-ca-file': own(str((i, v) => (i.vmware.caFile = v))),
  debug: own(bool((i, v) => (i.debug = v))),
};

const V2_COMMON: Record<string, FlagSpec> = {
  ...MUSTER_GLOBALS,
  o: str((i, v) => (i.output = v)),
  'output-file': str((i, v) => (i.output = v)),
  X: bool((i, v) => (i.debug = v)),
  debug: bool((i, v) => (i.debug = v)),
  'enable-tls': bool((i, v) => (i.enableTls = v)),
  'tls-ca': str((i, v) => (i.tls.ca = v)),
  'tls-cert': str((i, v) => (i.tls.cert = v)),
  'tls-key': str((i, v) => (i.tls.key = v)),
  'tls-peer-ca': str((i, v) => (i.tls.peerCa = v)),
  'tls-peer-cert': str((i, v) => (i.tls.peerCert = v)),
  'tls-peer-key': str((i, v) => (i.tls.peerKey = v)),
};

const V2_FLAGS: Record<'aws' | 'vmware', Record<string, FlagSpec>> = {
  aws: {
    ...V2_COMMON,
    r: str((i, v) => (i.aws.registration = registration(v))),
    'registration-provider': str((i, v) => (i.aws.registration = registration(v))),
    'r53-zone-id': str((i, v) => (i.aws.zoneId = v)),
    'dns-hostname': str((i, v) => (i.aws.hostname = v)),
    'lb-target-group-name': str(() => undefined),
    'instance-lookup-method': str((i, v) => {
      if (v !== 'asg' && v !== 'srv') throw usage(`--instance-lookup-method ${v}: use asg or srv`);
      i.aws.lookup = v;
    }),
    'srv-domain-name': str((i, v) => (i.aws.srvDomain = v)),
    'srv-service': str((i, v) => (i.aws.srvService = v)),
  },
  vmware: {
    ...V2_COMMON,
    'vsphere-username': str((i, v) => (i.vmware.username = v)),
    'vsphere-password': str((i, v) => (i.vmware.password = v)),
    'vsphere-host': str((i, v) => (i.vmware.host = v)),
    'vsphere-port': uint((i, v) => (i.vmware.port = v)),
    'insecure-skip-verify': bool((i, v) => (i.vmware.insecure = v)),
    'max-api-attempts': uint((i, v) => (i.vmware.attempts = v)),
    'vm-name': str((i, v) => (i.vmware.vmName = v)),
    environment: str((i, v) => (i.vmware.environment = v)),
    role: str((i, v) => (i.vmware.role = v)),
    'vsphere-ca-file': own(str((i, v) => (i.vmware.caFile = v))),
  },
};

export function parseEtcdBootstrapArgs(args: readonly string[]): EtcdBootstrapInvocation {
  const invocation: EtcdBootstrapInvocation = {
    syntax: 'v1',
    cloud: 'aws',
    output: DEFAULT_OUTPUT,
    debug: false,
    help: false,
    muster: {},
    aws: { lookup: 'asg', srvService: 'etcd-bootstrap', registration: 'noop' },
    vmware: {},
    enableTls: false,
    tls: {},
  };
  const subcommand = firstBareWord(args);
  const first = subcommand === -1 ? undefined : args[subcommand];
  if (first === 'aws' || first === 'vmware' || first === 'gcp') {
    if (first === 'gcp') throw usage('etcd-bootstrap gcp is not supported by muster: use the static, dns-srv or aws platform in a muster config');
    invocation.syntax = 'v2';
    invocation.cloud = first;
    readFlags([...args.slice(0, subcommand), ...args.slice(subcommand + 1)], V2_FLAGS[invocation.cloud], invocation, 'v2');
  } else {
    readFlags(args, V1_FLAGS, invocation, 'v1');
    if (!args.some((arg) => /^--?cloud(=|$)/.test(arg)) && !invocation.help) throw usage('-cloud is required (aws or vmware), or use the v2 form: muster etcd-bootstrap aws|vmware [flags]');
  }
  if (!invocation.help) checkRequired(invocation);
  return invocation;
}

function readFlags(args: readonly string[], specs: Record<string, FlagSpec>, invocation: EtcdBootstrapInvocation, syntax: 'v1' | 'v2'): void {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === '--') throw usage(`unexpected "--": etcd-bootstrap takes no arguments (etcd's flags go to \`muster etcd exec\`)`);
    if (!arg.startsWith('-') || arg === '-') throw usage(`unexpected argument ${JSON.stringify(arg)}`);
    const dashes = arg.startsWith('--') ? 2 : 1;
    const [rawName = '', inline] = splitOnce(arg.slice(dashes), '=');
    // cobra reads one dash as shorthand letters only; Go's flag package takes -name and --name alike.
    if (syntax === 'v2' && dashes === 1 && rawName.length > 1) throw usage(`${arg}: v2 flags take two dashes (--${rawName})`);
    const spec = specs[rawName];
    if (spec === undefined) {
      const dash = syntax === 'v1' ? '-' : '--';
      const names = (ours: boolean): string =>
        Object.entries(specs)
          .filter(([name, candidate]) => name.length > 1 && (candidate.muster === true) === ours && !name.startsWith('muster-') && name !== 'config')
          .map(([name]) => `${dash}${name}`)
          .join(' ');
      throw usage(`unknown flag ${arg} for etcd-bootstrap ${syntax === 'v1' ? 'v1 (-cloud …)' : invocation.cloud}; its flags: ${names(false)}; muster's: ${names(true)}`);
    }
    let value = inline;
    if (value === undefined) {
      if (spec.kind === 'bool') value = 'true';
      else {
        value = args[index + 1];
        if (value === undefined) throw usage(`flag ${arg} needs a value`);
        index++;
      }
    }
    if (spec.kind === 'uint' && !/^\d+$/.test(value)) throw usage(`${arg}: ${JSON.stringify(value)} is not a non-negative whole number`);
    if (spec.kind === 'bool' && !/^(1|0|t|f|true|false|TRUE|FALSE|True|False|T|F)$/.test(value)) throw usage(`${arg}: ${JSON.stringify(value)} is not a boolean (true or false)`);
    spec.set(invocation, value);
  }
}

function checkRequired(invocation: EtcdBootstrapInvocation): void {
  const missing = (flag: string, value: unknown): void => {
    if (value === undefined || value === '') throw usage(`the ${flag} value is required`);
  };
  const v1 = invocation.syntax === 'v1';
  if (invocation.cloud === 'vmware') {
    const { vmware } = invocation;
    missing(v1 ? '-vmware-host' : '--vsphere-host', vmware.host);
    missing(v1 ? '-vmware-environment' : '--environment', vmware.environment);
    missing(v1 ? '-vmware-role' : '--role', vmware.role);
    if (vmware.insecure === true && vmware.caFile !== undefined) throw usage('the insecure flag and a CA file contradict each other: give one');
  } else {
    if (invocation.aws.registration === 'lb') throw usage('--registration-provider lb is not supported by muster: register the members in Route 53 (route53) or put them behind the target group with your own tooling');
    if (invocation.aws.registration === 'route53' || (v1 && (invocation.aws.zoneId !== undefined || invocation.aws.hostname !== undefined))) {
      missing(v1 ? '-route53-zone-id' : '--r53-zone-id', invocation.aws.zoneId);
      missing(v1 ? '-domain-name' : '--dns-hostname', invocation.aws.hostname);
      invocation.aws.registration = 'route53';
    }
    if (invocation.aws.lookup === 'srv') missing('--srv-domain-name', invocation.aws.srvDomain);
  }
  if (invocation.enableTls) {
    const { tls } = invocation;
    for (const [flag, value] of [['--tls-ca', tls.ca], ['--tls-cert', tls.cert], ['--tls-key', tls.key]] as const) missing(flag, value);
  }
}

/** The index of the first word that is neither a flag nor a flag's value (v2's subcommand), or -1. */
function firstBareWord(args: readonly string[]): number {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (!arg.startsWith('-')) return index;
    if (arg.includes('=')) continue;
    const name = arg.replace(/^-+/, '');
    const spec = V1_FLAGS[name] ?? V2_COMMON[name];
    if (spec !== undefined && spec.kind !== 'bool') index++;
  }
  return -1;
}

function registration(value: string): EtcdBootstrapInvocation['aws']['registration'] {
  if (value !== 'noop' && value !== 'route53' && value !== 'lb') throw usage(`--registration-provider ${value}: use noop or route53`);
  return value;
}

function splitOnce(value: string, separator: string): [string, string | undefined] {
  const at = value.indexOf(separator);
  return at === -1 ? [value, undefined] : [value.slice(0, at), value.slice(at + 1)];
}

/** etcd-bootstrap had no config file; muster's is for `muster etcd`, not for this command. */
export function configGiven(): MusterError {
  return usage('-c/--config: this command builds its config from etcd-bootstrap\'s flags (and MUSTER_* variables); to use a config file, run `muster etcd -c FILE`');
}

function usage(message: string): MusterError {
  return new MusterError(`etcd-bootstrap: ${message}`, { code: 'USAGE', kind: 'usage', hint: 'muster etcd-bootstrap --help lists the flags of both versions' });
}
