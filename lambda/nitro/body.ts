/**
 * Reading a NITRO answer body: JSON or not, and the `errorcode`/`message` envelope that NITRO puts on every
 * answer, success or failure, under any HTTP status.
 */
import { isRecord } from '../core/is-record.js';
import type { Scrub } from '../core/ports.js';
import { excerpt, MAX_APPLIANCE_TEXT_CHARS } from '../core/text.js';

export type BodyShape =
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'empty' }
  | { readonly kind: 'html' }
  | { readonly kind: 'truncated'; readonly bytes: number }
  | { readonly kind: 'not-json'; readonly excerpt: string };

/**
 * `scrub` removes secrets from the whole text before the not-json excerpt is cut from it: a cut or
 * character-mapped secret could no longer be recognised.
 */
export function readBody(text: string, contentType: string | undefined, scrub: Scrub = (unchanged) => unchanged): BodyShape {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'empty' };
  if (/^<(!doctype|html|head|body|\?xml)/i.test(trimmed) || (contentType ?? '').toLowerCase().includes('text/html'))
    return { kind: 'html' };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    if (isUnfinishedJson(trimmed)) return { kind: 'truncated', bytes: Buffer.byteLength(text) };
    return { kind: 'not-json', excerpt: excerpt(text, NOT_JSON_EXCERPT_CHARS, scrub) };
  }
  // The envelope's message is the one appliance text that goes into error messages: it is cut here, scrubbed first.
  if (isRecord(value) && typeof value.message === 'string' && value.message.length > MAX_APPLIANCE_TEXT_CHARS) {
    value.message = excerpt(value.message, MAX_APPLIANCE_TEXT_CHARS, scrub);
  }
  return { kind: 'json', value };
}

/** True when `text` opens a JSON object or array that never closes: the answer was cut off. */
function isUnfinishedJson(text: string): boolean {
  if (text[0] !== '{' && text[0] !== '[') return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return inString || depth > 0;
}

const NOT_JSON_EXCERPT_CHARS = 80;

export interface NitroEnvelope {
  /** 0 on success. */
  readonly errorcode: number;
  readonly message: string;
  readonly body: Record<string, unknown>;
}

/** The errorcode and message of a JSON answer (numbers may arrive as strings); undefined when it has none. */
export function readEnvelope(value: unknown): NitroEnvelope | undefined {
  if (!isRecord(value)) return undefined;
  const code = value.errorcode;
  const errorcode = typeof code === 'number' ? code : typeof code === 'string' && /^-?\d+$/.test(code.trim()) ? Number(code) : undefined;
  if (errorcode === undefined) return undefined;
  const message = typeof value.message === 'string' ? value.message.trim() : '';
  return { errorcode, message, body: value };
}
