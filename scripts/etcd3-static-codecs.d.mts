// Types for the tests that import scripts/etcd3-static-codecs.mjs.
export interface Etcd3Options {
  keepCase: boolean;
  longs: StringConstructor;
  enums: StringConstructor;
  defaults: boolean;
  oneofs: boolean;
}
export const ETCD3_OPTIONS: Etcd3Options;
export const ETCD3_OPTIONS_SOURCE: string;
export function etcdRpcDefinitions(): { rpc: string; json: object };
export function staticDefinitionsSource(json: object, optionsSource: string): string;
