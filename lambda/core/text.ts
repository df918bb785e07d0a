/**
 * Bounds on text: one definition of how much of a string from outside (an appliance, a proxy, an event) may
 * reach a message, a log line or the handler's result.
 */

/** Characters of appliance-supplied text (a NITRO message, a body that is not JSON) kept in a message. */
export const MAX_APPLIANCE_TEXT_CHARS = 160;
/** The longest log line written, in UTF-8 bytes (CloudWatch Logs cuts events at 256 KB; Insights reads far less). */
export const MAX_LOG_LINE_BYTES = 16_384;
/** The longest string value kept in a log field or in the handler's result, in characters. */
export const MAX_FIELD_CHARS = 1_024;
/** The handler's result (its run summary), in UTF-8 bytes of JSON: Lambda's limit is 6 MB. */
export const MAX_RESULT_BYTES = 65_536;
/**
 * How far past the excerpt's end text is scrubbed before it is cut: a secret that straddles the cut must still
 * be whole when the scrubber looks for it (no secret form is longer than this).
 */
export const SCRUB_WINDOW_CHARS = 4_096;

/**
 * At most `maxChars` printable characters of `text`: `scrub` first runs over a bounded window (never the whole
 * text: a 6 MB body costs no more than a short one), then control characters become one space, then the cut.
 */
export function excerpt(
  text: string,
  maxChars: number = MAX_APPLIANCE_TEXT_CHARS,
  scrub: (text: string) => string = (unchanged) => unchanged,
): string {
  const window = text.length > maxChars + SCRUB_WINDOW_CHARS ? text.slice(0, maxChars + SCRUB_WINDOW_CHARS) : text;
  const flat = scrub(window)
    .replace(/[^\x20-\x7e\u00a0-\uffff]+/g, ' ')
    .trim();
  return cut(flat, maxChars, text.length - window.length);
}

/** `text` cut to `maxChars` characters (never inside a surrogate pair), saying how much was left out. */
export function cut(text: string, maxChars: number, alsoLeftOut = 0): string {
  if (text.length <= maxChars && alsoLeftOut === 0) return text;
  let end = Math.min(maxChars, text.length);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  const leftOut = text.length - end + alsoLeftOut;
  return `${text.slice(0, end)}… (${leftOut} more characters)`;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
