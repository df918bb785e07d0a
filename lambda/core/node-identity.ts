/**
 * Which HA node answered. Through a floating management address a failover or a failback shows the other node's
 * counters, lower (a reset) or HIGHER in every field (a node that kept its counters while it was secondary): only
 * the node's identity tells the second case from activity. `stat/hanode` gives `transtime`, the time of the node's
 * last master-state transition; every failover and failback sets it anew on the node that answers afterwards, so
 * it names the node and its current term as primary. A standalone node (hacurstatus NO) has no identity to follow.
 */
export interface NodeIdentity {
  /** `transtime` as the appliance wrote it. */
  readonly transtime: string;
}

/** The identity from a `stat/hanode` object, or undefined for a standalone node or an HA node without `transtime`. */
export function nodeIdentityOf(hanode: Readonly<Record<string, unknown>>): NodeIdentity | undefined {
  const status = typeof hanode.hacurstatus === 'string' ? hanode.hacurstatus.trim().toUpperCase() : '';
  if (status !== 'YES') return undefined;
  const transtime = typeof hanode.transtime === 'string' ? hanode.transtime.trim() : '';
  return transtime === '' || transtime.length > MAX_TRANSTIME_LENGTH ? undefined : { transtime };
}

const MAX_TRANSTIME_LENGTH = 64;

/**
 * The change of node between two samples, when both know their node and the nodes differ. A state item written
 * before node identities were kept, or a standalone appliance, gives no change (counted as before).
 */
export function nodeChangeBetween(
  previous: NodeIdentity | undefined,
  current: NodeIdentity | undefined,
): { readonly previous: NodeIdentity; readonly current: NodeIdentity } | undefined {
  if (previous === undefined || current === undefined || previous.transtime === current.transtime) return undefined;
  return { previous, current };
}
