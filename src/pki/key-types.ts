/**
 * The key types muster makes. Their own module, without node:crypto, because the config schema
 * and the command line name them at every start, and most starts make no key.
 */
export const KEY_TYPES = ['ec-p256', 'rsa-2048', 'rsa-4096'] as const;
export type KeyType = (typeof KEY_TYPES)[number];
