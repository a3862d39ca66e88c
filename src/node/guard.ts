import type { BaseConfig } from './config-schema.js';

export interface GuardDecision {
  building: boolean;
  reason: string;
}

/** Values a tag can carry that mean "not set": NodeReg only looked at presence, but an explicit false should not block. */
const FALSE_VALUES = new Set(['false', '0', 'no', 'off', '']);

/**
 * Is this node an instance booted to bake an image? Then nothing else may run on it: a node
 * image must not carry a hostname, certificates or etcd membership of the build instance.
 */
export function guardDecision(tags: Readonly<Record<string, string>>, config: BaseConfig): GuardDecision {
  const value = tags[config.ami_build_tag];
  if (value === undefined || FALSE_VALUES.has(value.trim().toLowerCase())) {
    return { building: false, reason: `no ${config.ami_build_tag} tag: a normal boot` };
  }
  return {
    building: true,
    reason: `tag ${config.ami_build_tag}=${value}: this instance builds an image; muster does nothing else (${config.on_build === 'block' ? 'blocking, so that units ordered after it never start' : 'exiting'})`,
  };
}
