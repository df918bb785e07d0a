/** A JSON object (not null, not an array): what a NITRO answer, a secret or a config file must be at the top. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
