/** A log line's value at a Logs Insights field path (`deltas.handshake.MpJoinSynReceived`), as Logs Insights reads it. */
export function fieldValue(line: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), line);
}
