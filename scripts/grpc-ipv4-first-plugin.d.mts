// Types for the tests that import scripts/grpc-ipv4-first-plugin.mjs.
import type { Plugin } from 'esbuild';
export const grpcIpv4FirstPlugin: Plugin;
