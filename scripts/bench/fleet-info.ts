/** What the simulator fleet (simulator-fleet.ts) is asked for and answers, shared by the bench's processes. */
export interface FleetInfo {
  readonly urls: readonly string[];
  readonly caCertificate: string;
  readonly username: string;
  /** The base of every appliance's password (passwordOf). */
  readonly password: string;
}

export interface FleetOptions {
  readonly count: number;
  /** Per-request latency range in ms: appliance i answers after a fixed delay drawn from it. */
  readonly latencyMs: readonly [number, number];
  /** Idle keep-alive connections are closed after this (the collector's runs are minutes apart). */
  readonly keepAliveTimeoutMs: number;
}

/** Appliance i's password: every appliance has its own (one secret per appliance, as the README advises). */
export function passwordOf(info: FleetInfo, index: number): string {
  return `${info.password}-${index + 1}`;
}

export function latencyOf(index: number, [min, max]: readonly [number, number]): number {
  return min + ((index * 37) % (max - min + 1));
}

/** A valid stat/protocolmptcp answer of about `bytes` bytes: the resource with as many keys as fit (a hostile appliance). */
export function hostileStatBody(bytes: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes - 64; i++) {
    const part = `"k${i}":1`;
    parts.push(part);
    length += part.length + 1;
  }
  return `{"errorcode":0,"message":"Done","protocolmptcp":[{${parts.join(',')}}]}`;
}
