import { EventEmitter } from 'node:events';
import type { RemoteInfo } from 'node:dgram';
import makeMdns from 'multicast-dns';
import type { Answer } from 'dns-packet';
import { MusterError } from '../core/errors.js';
import type { ElectionInterface } from './interfaces.js';

export const SERVICE_TYPE = '_muster._udp.local';

export interface TransportOptions {
  interfaces: readonly ElectionInterface[];
  port: number;
  /** Seconds: how long others keep our records without hearing from us. */
  ttl: number;
  /** A socket problem that does not stop the election (a group membership that failed, retried). */
  onWarning?: (message: string) => void;
}

interface Events {
  /** A TXT of another instance of our service type (unverified: the election checks its signature). */
  txt: [instance: string, strings: string[], from: RemoteInfo];
  /** An instance said goodbye (TTL 0) with these TXT strings (its last signed announcement): the listener checks them before it believes it. */
  goodbye: [instance: string, txt: string[]];
}

type Mdns = ReturnType<typeof makeMdns>;

/**
 * DNS-SD over mDNS (RFC 6762/6763) through multicast-dns, on every selected interface and
 * family: multicast-dns sends on one interface unless told (its issues #62, #68), so there is one
 * socket per interface, each bound to the wildcard address (or replies are missed) and joined to
 * the group on its interface. Publishes one instance: PTR, SRV, TXT and the host's addresses.
 */
export class MdnsTransport extends EventEmitter<Events> {
  private readonly sockets: Mdns[] = [];
  private records: Answer[] = [];
  private instance = '';

  private constructor(private readonly options: TransportOptions) {
    super();
  }

  static async open(options: TransportOptions): Promise<MdnsTransport> {
    const transport = new MdnsTransport(options);
    for (const iface of options.interfaces) {
      const socket =
        iface.family === 'ipv4'
          ? makeMdns({ type: 'udp4', ip: '224.0.0.251', port: options.port, interface: iface.address, bind: '0.0.0.0', reuseAddr: true, loopback: true })
          : makeMdns({ type: 'udp6', ip: 'ff02::fb', port: options.port, interface: `::%${iface.name}`, bind: '::', reuseAddr: true, loopback: true });
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error): void => reject(new MusterError(`mDNS on ${iface.name} (${iface.address}) failed: ${error.message}`, { code: 'ELECT_MDNS', kind: 'unavailable', hint: 'check that the interface is up, has a route for multicast (224.0.0.0/4 or ff02::/16) and that UDP 5353 is open', cause: error }));
        socket.once('error', onError);
        socket.once('ready', () => {
          socket.off('error', onError);
          resolve();
        });
      });
      socket.on('warning', (warning: Error) => options.onWarning?.(`mDNS on ${iface.name} (${iface.address}): ${warning.message}`));
      socket.on('error', () => undefined); // a later send error (an interface going down) must not crash the election: the next announcement retries
      socket.on('response', (packet, from) => transport.onResponse([...(packet.answers ?? []), ...(packet.additionals ?? [])], from));
      socket.on('query', (packet, from) => transport.onQuery(packet.questions ?? [], from));
      transport.sockets.push(socket);
    }
    return transport;
  }

  /**
   * RFC 6762 §8.1 probing: asks three times, 250 ms apart, whether another host answers for
   * the name; true when one does (the caller picks another name).
   */
  async nameTaken(instance: string): Promise<boolean> {
    const fullName = `${instance}.${SERVICE_TYPE}`;
    let taken = false;
    const listener = (packet: { answers?: Answer[] }): void => {
      // A goodbye (TTL 0) says the name is free, not taken (RFC 6762 §10.1).
      if ((packet.answers ?? []).some((answer) => answer.name.toLowerCase() === fullName.toLowerCase() && (answer as { ttl?: number }).ttl !== 0)) taken = true;
    };
    for (const socket of this.sockets) socket.on('response', listener);
    for (let probe = 0; probe < 3 && !taken; probe++) {
      this.send((socket) => socket.query({ questions: [{ name: fullName, type: 'TXT' as const }] }));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const socket of this.sockets) socket.off('response', listener);
    return taken;
  }

  /** Announces (unsolicited response) the instance with this TXT; also what queries are answered with. */
  publish(instance: string, txt: readonly string[]): void {
    this.instance = instance;
    this.records = this.recordsFor(instance, txt, this.options.ttl);
    this.send((socket) => socket.respond({ answers: this.records }));
  }

  /** Asks every member to announce itself now (a browse), instead of waiting for its next announcement. */
  browse(): void {
    // Joins the group again where joining failed (multicast-dns eats the error and only retries
    // on update()): a member that can send but not receive would wait for ever.
    for (const socket of this.sockets) (socket as Mdns & { update?: () => void }).update?.();
    this.send((socket) => socket.query({ questions: [{ name: SERVICE_TYPE, type: 'PTR' as const }] }));
  }

  /** Goodbye (TTL 0), so the others drop us at once; then the sockets close. */
  async close(): Promise<void> {
    if (this.records.length > 0) {
      const goodbye = this.records.map((record) => ({ ...record, ttl: 0 }));
      this.send((socket) => socket.respond({ answers: goodbye }));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.all(this.sockets.map((socket) => new Promise<void>((resolve) => socket.destroy(() => resolve()))));
  }

  private recordsFor(instance: string, txt: readonly string[], ttl: number): Answer[] {
    const fullName = `${instance}.${SERVICE_TYPE}`;
    const host = `${instance}.local`;
    const addresses: Answer[] = this.options.interfaces.map((iface) =>
      iface.family === 'ipv4' ? { name: host, type: 'A', ttl, flush: true, data: iface.address } : { name: host, type: 'AAAA', ttl, flush: true, data: iface.address },
    );
    return [
      { name: SERVICE_TYPE, type: 'PTR', ttl, data: fullName },
      { name: fullName, type: 'SRV', ttl, flush: true, data: { port: this.options.port, target: host, priority: 0, weight: 0 } },
      { name: fullName, type: 'TXT', ttl, flush: true, data: txt.map((entry) => Buffer.from(entry)) },
      ...addresses,
    ];
  }

  private onQuery(questions: readonly { name: string; type: string }[], _from: RemoteInfo): void {
    if (this.records.length === 0) return;
    const fullName = `${this.instance}.${SERVICE_TYPE}`.toLowerCase();
    const asked = questions.some((question) => {
      const name = question.name.toLowerCase();
      return (name === SERVICE_TYPE.toLowerCase() && (question.type === 'PTR' || question.type === 'ANY')) || name === fullName;
    });
    if (asked) this.send((socket) => socket.respond({ answers: this.records }));
  }

  private onResponse(answers: readonly Answer[], from: RemoteInfo): void {
    const suffix = `.${SERVICE_TYPE}`.toLowerCase();
    for (const answer of answers) {
      if (answer.type !== 'TXT' || !answer.name.toLowerCase().endsWith(suffix)) continue;
      const instance = answer.name.slice(0, -suffix.length);
      if (instance === this.instance) continue; // our own announcement, looped back
      const data = Array.isArray(answer.data) ? answer.data : [answer.data];
      const strings = data.map((entry) => (typeof entry === 'string' ? entry : Buffer.from(entry).toString('utf8')));
      if (answer.ttl === 0) {
        this.emit('goodbye', instance, strings);
        continue;
      }
      this.emit('txt', instance, strings, from);
    }
  }

  private send(action: (socket: Mdns) => void): void {
    for (const socket of this.sockets) {
      try {
        action(socket);
      } catch {
        // one interface failing must not silence the others
      }
    }
  }
}
