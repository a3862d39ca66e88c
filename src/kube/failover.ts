/**
 * Quota and failover with hysteresis, per Service. kuberoute switched on every poll: a pod that
 * went unready for one sync moved the name to the failover and back. Here a Service must be
 * below its quota (or serve nothing) for `failover_after` before it fails over, and above it for
 * `restore_after` before it comes back; in between, what is published stays.
 */

export type FailoverMode = 'primary' | 'failover';

export interface FailoverState {
  mode: FailoverMode;
  /** Since when the opposite condition has held (below in primary, above in failover). */
  since: number | undefined;
}

export interface FailoverTiming {
  failoverAfter: number;
  restoreAfter: number;
}

export interface FailoverStep {
  state: FailoverState;
  /** When the decision could change by time alone: re-evaluate then. */
  wakeAt: number | undefined;
}

/**
 * The state of a Service first seen. What the zone holds is the history: a name that already
 * points at the failover value (a previous leader failed it over) starts in failover, anything
 * else in primary; then the usual timers run. So a new leader, or a restarted controller, never
 * flips a record on its first sync.
 */
export function initialFailoverState(zoneShowsFailover: boolean): FailoverState {
  return { mode: zoneShowsFailover ? 'failover' : 'primary', since: undefined };
}

export function stepFailover(previous: FailoverState, healthy: boolean, now: number, timing: FailoverTiming): FailoverStep {
  const leaving = previous.mode === 'primary' ? !healthy : healthy;
  if (!leaving) return { state: { mode: previous.mode, since: undefined }, wakeAt: undefined };
  const since = previous.since ?? now;
  const after = previous.mode === 'primary' ? timing.failoverAfter : timing.restoreAfter;
  if (now - since >= after) return { state: { mode: previous.mode === 'primary' ? 'failover' : 'primary', since: undefined }, wakeAt: undefined };
  return { state: { mode: previous.mode, since }, wakeAt: since + after };
}

/**
 * kuberoute's health rule: no quota (0) → healthy while anything serves; otherwise the share of
 * nodes serving it, truncated to a whole percent as kuberoute reported it, must reach the quota.
 */
export function currentQuota(servingNodes: number, totalNodes: number): number {
  return totalNodes === 0 ? 0 : Math.floor((100 * servingNodes) / totalNodes);
}

/** kuberoute's report field `healthy`: the quota alone (an empty Service with no quota is "healthy"). */
export function quotaMet(quota: number, servingNodes: number, totalNodes: number): boolean {
  if (quota === 0) return true;
  return totalNodes > 0 && (100 * servingNodes) / totalNodes >= quota;
}

/** What switches the name: the quota met and something to publish. */
export function isServing(quota: number, servingNodes: number, totalNodes: number, hasEndpoints: boolean): boolean {
  return hasEndpoints && quotaMet(quota, servingNodes, totalNodes);
}
