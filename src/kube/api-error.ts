import { MusterError } from '../core/errors.js';

/**
 * client-node's ApiException puts the whole response (body and headers) in its message; muster
 * names the status and the API server's own message, with what to do.
 */
export function apiStatusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown; statusCode?: unknown } | null)?.code ?? (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function kubeApiError(error: unknown, what: string, server: string): MusterError {
  const code = apiStatusCode(error);
  const body = (error as { body?: unknown } | null)?.body;
  let message: string | undefined;
  if (typeof body === 'string') {
    try {
      message = (JSON.parse(body) as { message?: string }).message;
    } catch {
      message = body.slice(0, 200);
    }
  } else if (typeof body === 'object' && body !== null) message = (body as { message?: string }).message;
  const detail = code === undefined ? (error instanceof Error ? error.message : String(error)) : `HTTP ${code}${message === undefined ? '' : `: ${message}`}`;
  const hint =
    code === 401
      ? 'the credentials were refused: check the token or kubeconfig (kube_dns.kubernetes)'
      : code === 403
        ? 'RBAC forbids it: apply contrib/kubernetes/rbac.yaml (list/watch services, pods, nodes; leases in the controller\'s namespace)'
        : code === undefined
          ? `check that the API server ${server} is reachable from here (kube_dns.kubernetes)`
          : 'see the API server\'s message';
  return new MusterError(`kube-dns: ${what} at ${server}: ${detail}`, { code: 'KUBE_API', kind: code === 401 || code === 403 ? 'config' : 'unavailable', hint, cause: error });
}

/** One line for logs: the status and the server's message, never the response headers. */
export function shortKubeError(error: unknown): string {
  const code = apiStatusCode(error);
  if (code === undefined) return error instanceof Error ? error.message : String(error);
  const described = kubeApiError(error, 'request', 'the API server');
  const line = described.message.replace(/^kube-dns: request at the API server: /, '');
  // Refused credentials or RBAC never heal by retrying: the logged line says what to do.
  return (code === 401 || code === 403) && described.hint !== undefined ? `${line} (${described.hint})` : line;
}
