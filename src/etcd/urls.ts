import type { EtcdConfig } from './config-schema.js';

function hostPart(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

export function peerUrl(config: EtcdConfig, ip: string): string {
  return `${config.peer_scheme}://${hostPart(ip)}:${config.peer_port}`;
}

export function clientUrl(config: EtcdConfig, ip: string): string {
  return `${config.client_scheme}://${hostPart(ip)}:${config.client_port}`;
}

/** Where etcd listens for clients: the node address, plus 127.0.0.1 when `listen_localhost`. */
export function listenClientUrls(config: EtcdConfig, ip: string): string[] {
  const urls = [clientUrl(config, ip)];
  const local = `${config.client_scheme}://127.0.0.1:${config.client_port}`;
  if (config.listen_localhost && !urls.includes(local)) urls.push(local);
  return urls;
}
