/**
 * The parts of the Docker Engine API (v1.41, Docker 20.10) that the swarm step reads, as the
 * engine sends them. Fields muster does not use are left out.
 */

/** `GET /info` → `.Swarm`. */
export interface EngineSwarmInfo {
  NodeID: string;
  NodeAddr: string;
  /** "" (older engines) or inactive | pending | active | error | locked. */
  LocalNodeState: string;
  ControlAvailable: boolean;
  Error: string;
  RemoteManagers?: { NodeID: string; Addr: string }[] | null;
  Cluster?: { ID: string } | null;
}

/** `GET /swarm` (managers only). */
export interface EngineSwarm {
  ID: string;
  Version: { Index: number };
  Spec: Record<string, unknown>;
  JoinTokens: { Worker: string; Manager: string };
}

/** One entry of `GET /nodes` (managers only). */
export interface EngineNode {
  ID: string;
  Version: { Index: number };
  Spec: { Role: 'manager' | 'worker'; Availability: string; Labels?: Record<string, string>; Name?: string };
  Description?: { Hostname?: string };
  /** State: unknown | down | ready | disconnected; Addr: the address the node connects from. */
  Status: { State: string; Addr?: string; Message?: string };
  /** Present on managers. Reachability: unknown | unreachable | reachable; Addr: its advertise address:port. */
  ManagerStatus?: { Leader?: boolean; Reachability: string; Addr: string } | null;
}
