// Types for the tests that import scripts/etcd3-static-codecs-check.mjs.
import type { Etcd3Options } from './etcd3-static-codecs.mjs';
export function checkStaticDefinitions(source: string, json: object, options: Etcd3Options): void;
