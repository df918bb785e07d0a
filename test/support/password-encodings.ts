/** The encodings of a password that an appliance or proxy may echo, and a check that none of them leaked. */

/** Every encoding of the password an appliance or proxy may echo (the scrubber's documented set). */
export function passwordEncodings(username: string, password: string): string[] {
  const bytes = Buffer.from(password);
  return [
    password,
    bytes.toString('base64'),
    bytes.toString('base64url'),
    Buffer.from(`${username}:${password}`).toString('base64'),
    bytes.toString('hex'),
    new URLSearchParams({ p: password }).toString().slice(2),
    encodeURIComponent(password),
    `${password.slice(0, 5)}\n${password.slice(5)}`,
    bytes.toString('latin1'),
  ];
}

/**
 * How many consecutive password characters (code points) give a password away: the scrubber's run
 * (REDACTION_WINDOW_CHARS, lambda/logger.ts), of which 7 characters pass as ordinary text.
 */
export const LEAK_RUN_CHARS = 8;

/**
 * Encodings that turn each character into text on its own: a run of password characters becomes the
 * concatenation of its characters' encodings (8 characters: 16 hex digits, 8 to 72 percent-encoded ones...).
 */
const PER_CHARACTER: readonly ((character: string) => string)[] = [
  (c) => c,
  (c) => JSON.stringify(c).slice(1, -1),
  // Inside a JSON string that is itself inside a JSON string (an excerpt quoted in a log field).
  (c) => JSON.stringify(JSON.stringify(c).slice(1, -1)).slice(1, -1),
  (c) => encodeURIComponent(c),
  (c) => encodeURIComponent(c).replace(/%[0-9A-F]{2}/g, (percent) => percent.toLowerCase()),
  (c) => new URLSearchParams({ p: c }).toString().slice(2),
  (c) => Buffer.from(c).toString('hex'),
  (c) => Buffer.from(c).toString('hex').toUpperCase(),
  (c) => Buffer.from(c).toString('latin1'),
];

const pieceCache = new Map<string, readonly string[]>();

/**
 * The texts that give away a run of LEAK_RUN_CHARS characters of `password` (all of it, when shorter), in every
 * encoding, each measured in password characters: the run raw and in each per-character encoding above, and in
 * base64 and URL-safe base64 the characters that the run's bytes alone determine, at each of the three byte
 * alignments (so a part of the password encoded on its own, and HTTP Basic `user:password`, are covered too):
 * 10 or 11 base64 characters for 8 ASCII characters. A shorter piece of an encoding (8 hex digits are 4
 * password characters) gives away less than the scrubber promises to hide, and a random hex string (a request
 * id, a hash) matches one by chance.
 */
export function leakPieces(username: string, password: string): readonly string[] {
  const cacheKey = `${username}\u0000${password}`;
  const cached = pieceCache.get(cacheKey);
  if (cached) return cached;
  const characters = [...password];
  const runLength = Math.min(LEAK_RUN_CHARS, characters.length);
  const pieces = new Set<string>();
  const starts = Array.from({ length: characters.length - runLength + 1 }, (_, i) => i);
  for (const encode of PER_CHARACTER) {
    const encoded = characters.map(encode);
    for (const i of starts) pieces.add(encoded.slice(i, i + runLength).join(''));
  }
  // The byte offset at which each character starts (and one past the end).
  const offsets = [0];
  for (const character of characters) offsets.push(offsets.at(-1)! + Buffer.byteLength(character));
  const bytes = Buffer.from(password);
  for (const alignment of [0, 1, 2]) {
    const aligned = Buffer.concat([Buffer.alloc(alignment), bytes]);
    for (const alphabet of ['base64', 'base64url'] as const) {
      const encoded = aligned.toString(alphabet);
      for (const i of starts) {
        // Base64 character k holds bits [6k, 6k + 6): only those inside the run's bits give the run away.
        const fromBit = 8 * (alignment + offsets[i]!);
        const toBit = 8 * (alignment + offsets[i + runLength]!);
        pieces.add(encoded.slice(Math.ceil(fromBit / 6), Math.floor(toBit / 6)));
      }
    }
  }
  // The user name's own characters give nothing away, even where the password repeats them.
  const result = [...pieces].filter((piece) => piece.length > 0 && !username.includes(piece));
  pieceCache.set(cacheKey, result);
  return result;
}

/**
 * Pieces of `text` that give a password away: LEAK_RUN_CHARS password characters in a row, in any of its
 * encodings (see leakPieces), also where line breaks split them (raw, or escaped in a JSON string).
 */
export function leaks(text: string, username: string, password: string): string[] {
  const texts = [text, text.replace(/\r|\n|\\r|\\n/g, '')];
  return leakPieces(username, password).filter((piece) => texts.some((t) => t.includes(piece)));
}
