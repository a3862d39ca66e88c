import type { Config } from '../config/schema.js';
import type { InstallModel } from './cluster-schema.js';

/** One role of a cluster model with every file it names read in: what render turns into user-data. */
export interface RoleInput {
  cluster: string;
  role: string;
  install: InstallModel;
  /** The role's muster config as the node will parse it (defaults applied), to choose muster's own units. */
  config: Config;
  /** The same config as the user wrote it (merged, units pinned): written to the node, defaults left to muster there. */
  configText: Record<string, unknown>;
  units: readonly { name: string; content: string; start: boolean }[];
  files: readonly { path: string; content: Buffer; mode: number; owner: string; secret?: string }[];
  users: readonly { name: string; groups: string[]; sudo: boolean; ssh_authorized_keys: string[]; shell?: string | undefined }[];
  keepDefaultUser: boolean;
  /** Secrets the role receives; `content` only when embedded (the others are never read). */
  secrets: readonly { name: string; path: string; mode: number; owner: string; embed: boolean; content?: Buffer }[];
  /** Seed keys that were mapped, for the user to update. */
  notes: string[];
}
