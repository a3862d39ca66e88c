/**
 * A container's entrypoint runs as PID 1, and the kernel gives PID 1 no default action for
 * SIGTERM or SIGINT: without a handler muster would ignore `docker stop` while it forms, until
 * the engine kills it 10 s later. As PID 1 these exit at once, unless a child (etcd, under
 * `muster etcd exec`) is running and receives them instead.
 */
let forwarders = 0;

export function exitOnTerminationSignalsAsPid1(): void {
  if (process.pid !== 1) return;
  for (const [signal, number] of [['SIGTERM', 15], ['SIGINT', 2]] as const) {
    process.on(signal, () => {
      if (forwarders === 0) process.exit(128 + number);
    });
  }
}

/** Marks signals as forwarded to a child from now on (true) or no longer (false). */
export function forwardingSignals(active: boolean): void {
  forwarders += active ? 1 : -1;
}
