import { MusterError, describeError } from '../../core/errors.js';

/** What vim25 answered instead of a result: the fault's type (InvalidLogin, NoPermission, …). */
export interface SoapFault {
  type: string;
  message: string;
}

export class VsphereFaultError extends MusterError {
  constructor(
    message: string,
    readonly fault: SoapFault,
    options: ConstructorParameters<typeof MusterError>[1],
  ) {
    super(message, options);
  }
}

/** The privileges the vsphere platform uses: what a read-only role grants. */
export const READ_ONLY_HINT = 'give the vCenter user a role with System.View and System.Read (the built-in Read-only role) on the folder that holds the VMs, propagated to its children';

// Faults a vCenter answers while it is busy or restarting; worth another attempt.
const TRANSIENT_FAULTS = new Set(['SystemError', 'HostCommunication', 'RequestCanceled', 'ServerFaultCode', 'TooManySessions', 'ManagedObjectNotFound']);

export function isTransientFault(fault: SoapFault): boolean {
  return TRANSIENT_FAULTS.has(fault.type);
}

export function vsphereFault(host: string, method: string, fault: SoapFault): VsphereFaultError {
  const message = `vsphere: ${method} on ${host} failed: ${fault.type}: ${fault.message}`;
  if (fault.type === 'InvalidLogin') {
    return new VsphereFaultError(`vsphere: vCenter ${host} refused the login: ${fault.message}`, fault, {
      code: 'VSPHERE_LOGIN',
      kind: 'config',
      hint: 'check platform.username (or $VSPHERE_USERNAME) and the password in platform.password_file (or $VSPHERE_PASSWORD)',
    });
  }
  if (fault.type === 'NoPermission' || fault.type === 'NotAuthenticated') {
    return new VsphereFaultError(message, fault, { code: 'VSPHERE_NO_PERMISSION', kind: 'config', hint: READ_ONLY_HINT });
  }
  const transient = isTransientFault(fault);
  return new VsphereFaultError(message, fault, {
    code: 'VSPHERE_FAULT',
    kind: 'unavailable',
    retryable: transient,
    ...(transient ? { hint: 'vCenter is busy or restarting; muster retries' } : {}),
  });
}

// Node's TLS verification failures: the certificate, not the network, is the problem.
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function vsphereTransportError(host: string, what: string, error: unknown, status?: number): MusterError {
  if (error instanceof Error && error.name === 'AbortError') return new MusterError('vsphere: discovery cancelled', { code: 'ABORTED', kind: 'unavailable', cause: error });
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && TLS_CODES.has(code)) {
    return new MusterError(`vsphere: vCenter ${host}'s TLS certificate is not trusted: ${describeError(error)}`, {
      code: 'VSPHERE_TLS',
      kind: 'config',
      hint: 'set platform.ca_file to the CA that signed vCenter\'s certificate (vCenter serves its root CA at https://<host>/certs/download.zip); insecure: true skips the check, and then anyone on the path can choose this node\'s peers',
      cause: error,
    });
  }
  const busy = status === undefined || status >= 500;
  return new MusterError(`vsphere: ${what} to vCenter ${host} failed: ${describeError(error)}`, {
    code: 'VSPHERE_UNREACHABLE',
    kind: 'unavailable',
    retryable: busy,
    hint: busy ? `check that https://${host}/sdk answers from this node (network, firewall, vCenter up); muster retries` : 'this is no vCenter SDK endpoint: check platform.host and platform.port',
    cause: error,
  });
}
