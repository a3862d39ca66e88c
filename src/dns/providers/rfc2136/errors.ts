/**
 * What a DNS server's answer means for the user: rcodes and TSIG failures become MusterErrors that
 * name the server, the zone and the key (never the secret), with what to check.
 */
import { MusterError } from '../../../core/errors.js';
import { zoneChanged } from '../../zone-changed.js';
import { RCODE_NAMES } from './message.js';
import { TSIG_ERRORS, type TsigError } from './tsig.js';

export interface ExchangeContext {
  server: string;
  zone: string;
  keyName: string;
  what: 'update' | 'transfer';
}

const PREFIX = 'rfc2136 DNS provider';

export function rcodeError(ctx: ExchangeContext, rcode: number, tsigError: number | undefined): MusterError {
  const name = RCODE_NAMES[rcode] ?? `rcode ${rcode}`;
  const doing = ctx.what === 'update' ? `the update of ${ctx.zone}` : `the transfer of ${ctx.zone}`;
  if (tsigError !== undefined && tsigError !== 0) return keyMismatch(ctx, `${name}/${TSIG_ERRORS[tsigError] ?? tsigError}`, tsigError);
  switch (name) {
    case 'REFUSED':
      return new MusterError(
        ctx.what === 'update'
          ? `${PREFIX}: ${ctx.server} refused the update of ${ctx.zone} (REFUSED): server refused the update: is the key ${ctx.keyName} granted update-policy on the zone?`
          : `${PREFIX}: ${ctx.server} refused the zone transfer of ${ctx.zone} (REFUSED): does the zone allow-transfer to the key ${ctx.keyName}?`,
        {
          code: 'DNS_REFUSED',
          kind: 'config',
          hint:
            ctx.what === 'update'
              ? `on the server: zone "${ctx.zone}" { update-policy { grant ${ctx.keyName} zonesub ANY; }; }`
              : `on the server: zone "${ctx.zone}" { allow-transfer { key ${ctx.keyName}; }; }`,
        },
      );
    case 'NOTAUTH':
      return new MusterError(`${PREFIX}: ${ctx.server} answered NOTAUTH to ${doing}: it is not authoritative for ${ctx.zone}, or the TSIG key does not match`, {
        code: 'DNS_NOT_AUTHORITATIVE',
        kind: 'config',
        hint: `check dns.zone and dns.provider.server (the zone's primary), and the key ${ctx.keyName}`,
      });
    case 'YXRRSET':
    case 'NXRRSET':
    case 'YXDOMAIN':
    case 'NXDOMAIN':
      // The prerequisites (update.ts) failed: the zone is no longer what the plan was made on.
      return zoneChanged(`${PREFIX}: ${ctx.zone} changed on ${ctx.server} since muster read it (${name}); nothing in that message was applied`);
    case 'SERVFAIL':
      return new MusterError(`${PREFIX}: ${ctx.server} failed ${doing} (SERVFAIL)`, {
        code: 'DNS_SERVER_FAILURE',
        kind: 'unavailable',
        retryable: true,
        hint: "check the server's log (is the zone loaded? is its journal writable?)",
      });
    case 'NOTZONE':
      return new MusterError(`${PREFIX}: ${ctx.server} says a record is outside ${ctx.zone} (NOTZONE)`, {
        code: 'DNS_NOT_IN_ZONE',
        kind: 'config',
        hint: 'every record must be inside dns.zone',
      });
    default:
      return new MusterError(`${PREFIX}: ${ctx.server} answered ${name} to ${doing}`, {
        code: 'DNS_SERVER_ERROR',
        kind: 'internal',
        hint: "check the server's log; report this if muster sent a bad message (FORMERR)",
      });
  }
}

export function tsigError(ctx: ExchangeContext, error: TsigError): MusterError {
  if (error.problem === 'bad-time') {
    return new MusterError(`${PREFIX}: ${ctx.server}: ${error.message}`, {
      code: 'DNS_TSIG_BADTIME',
      kind: 'config',
      hint: 'TSIG needs clocks within 5 minutes of each other: check NTP on this machine and the server',
    });
  }
  if (error.problem === 'server-rejected') return keyMismatch(ctx, TSIG_ERRORS[error.tsigError ?? 0] ?? 'TSIG error', error.tsigError ?? 0);
  return keyMismatch(ctx, error.message, 0);
}

function keyMismatch(ctx: ExchangeContext, detail: string, code: number): MusterError {
  if (code === 18) {
    return new MusterError(`${PREFIX}: ${ctx.server} rejected the signature's time (BADTIME)`, {
      code: 'DNS_TSIG_BADTIME',
      kind: 'config',
      hint: 'TSIG needs clocks within 5 minutes of each other: check NTP on this machine and the server',
    });
  }
  const unknownKey = code === 17;
  return new MusterError(`${PREFIX}: TSIG key mismatch with ${ctx.server} for key ${ctx.keyName} (${detail})`, {
    code: 'DNS_TSIG_MISMATCH',
    kind: 'config',
    hint: unknownKey
      ? `the server has no key named ${ctx.keyName} with this algorithm: check dns.provider.tsig.name and algorithm`
      : `the secret in dns.provider.tsig.secret_file or the algorithm differs from the server's key ${ctx.keyName}`,
  });
}
