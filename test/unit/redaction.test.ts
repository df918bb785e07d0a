import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../lambda/catalog/catalog.js';
import { parseSample, unwrapResource } from '../../lambda/core/sample.js';
import { MAX_LOG_LINE_BYTES } from '../../lambda/core/text.js';
import { CollectorError } from '../../lambda/errors.js';
import { createMemoryLogger, REDACTION_WINDOW_CHARS, Redactor } from '../../lambda/logger.js';
import { readBody } from '../../lambda/nitro/body.js';
import { checkAnswer, LOGIN_OPERATION } from '../../lambda/nitro/classify.js';
import { passwordEncodings } from '../support/password-encodings.js';

/** Passwords that an excerpt would cut (long) or map to printable ASCII (non-ASCII, newline) before a scrub. */
const PASSWORDS = {
  long: 'correct-horse-battery-staple-and-a-long-tail-0123456789',
  unicode: 'pässwörd-ÄÖÜ-密码-🔑',
  'unicode with long ASCII runs': 'Grüße-aus-der-Hauptstadt-München-密码-🔑-4711',
  newline: 'first-line-secret\nsecond-line-secret',
  'quotes and backslashes': 'q"uo\\te\'d-"back\\slash"-secret',
  'padded with spaces': '  padded-secret-4711  ',
} as const;

const context = { appliance: 'adc-1', operation: LOGIN_OPERATION };

function redactorFor(password: string): Redactor {
  const redactor = new Redactor();
  redactor.add(password);
  return redactor;
}

/** The password inside a JSON string with every non-ASCII character as \uXXXX, as Python's json.dumps writes it. */
function asciiJson(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Every 8-character piece of the password, or of a form an excerpt could turn it into (JSON-escaped, \u-escaped,
 * non-printable characters mapped to '?' or ' '), that shows up in `output`. Pieces with fewer than 4 letters or
 * digits are too generic to prove a leak.
 */
function leakedPieces(output: string, password: string): string[] {
  const json = JSON.stringify(password).slice(1, -1);
  const forms = [password, json, asciiJson(password)].flatMap((form) => [
    form,
    form.replace(/[^\x20-\x7e]/g, '?'),
    form.replace(/[^\x20-\x7e]+/g, ' '),
  ]);
  const pieces = new Set<string>();
  for (const form of forms) {
    for (let i = 0; i + 8 <= form.length; i++) {
      const piece = form.slice(i, i + 8);
      if ((piece.match(/[A-Za-z0-9]/g) ?? []).length >= 4 && output.includes(piece)) pieces.add(piece);
    }
  }
  return [...pieces];
}

function thrownBy(action: () => unknown): CollectorError {
  try {
    action();
  } catch (error) {
    if (error instanceof CollectorError) return error;
    throw error;
  }
  throw new Error('expected a CollectorError');
}

describe('Redactor', () => {
  const password = 'pässwörd-"ÄÖÜ"\\密码-🔑';
  const redactor = redactorFor(password);

  it.each([
    ['raw', password],
    ['inside a JSON string', JSON.stringify(password).slice(1, -1)],
    ['inside a JSON string inside a JSON string', JSON.stringify(JSON.stringify(password).slice(1, -1)).slice(1, -1)],
    ['JSON with lower-case \\u escapes', asciiJson(password)],
    ['JSON with upper-case \\u escapes', asciiJson(password).replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => `\\u${hex.toUpperCase()}`)],
    ['JSON with \\u escapes inside a JSON string', JSON.stringify(asciiJson(password)).slice(1, -1)],
    ['percent-encoded', encodeURIComponent(password)],
    ['percent-encoded, lower-case hex', encodeURIComponent(password).toLowerCase()],
    ['hex of its UTF-8 bytes', Buffer.from(password).toString('hex')],
    ['hex of its UTF-8 bytes, upper case', Buffer.from(password).toString('hex').toUpperCase()],
    ['UTF-8 read as Latin-1', Buffer.from(password).toString('latin1')],
  ])('removes the secret %s', (_form, encoded) => {
    expect(redactor.scrub(`before ${encoded} after`)).toBe('before [REDACTED] after');
  });

  it('removes every occurrence of every secret, and the trimmed form of a padded one', () => {
    const both = redactorFor('first-secret');
    both.add('  second-secret ');
    expect(both.scrub('first-secret;second-secret;first-secret')).toBe('[REDACTED];[REDACTED];[REDACTED]');
  });

  it('ignores secrets shorter than MIN_SECRET_LENGTH (not counting spaces), so that ordinary words stay', () => {
    const short = redactorFor('appli');
    short.add('   ');
    short.add('  seven77  ');
    expect(short.scrub('appli seven77 "   " {"appli":1}')).toBe('appli seven77 "   " {"appli":1}');
  });

  describe('encodings an appliance or a proxy may echo', () => {
    const secret = 'open sesame+4711/é';
    const user = 'nsroot';
    const encodings = new Redactor();
    encodings.add(secret, { username: user });
    const cases: [string, string][] = [
      ['base64', Buffer.from(secret).toString('base64')],
      ['URL-safe base64', Buffer.from(secret).toString('base64url')],
      ['HTTP Basic (base64 of user:password)', `Authorization: Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`],
      [
        'base64 inside a longer base64 text, at every offset',
        ['', 'x', 'xy'].map((p) => Buffer.from(`${p}${secret}-tail`).toString('base64')).join(' '),
      ],
      ['form encoding (+ for a space)', new URLSearchParams({ password: secret }).toString()],
      ['percent-encoding with + for a space', encodeURIComponent(secret).replace(/%20/g, '+')],
      ['hex', Buffer.from(secret).toString('hex')],
      ['split across a newline', `${secret.slice(0, 6)}\n${secret.slice(6)}`],
      ['split across a JSON-escaped CRLF and indentation', JSON.stringify(`${secret.slice(0, 9)}\r\n   ${secret.slice(9)}`)],
      ['UTF-8 read as Latin-1', Buffer.from(secret).toString('latin1')],
    ];
    it.each(cases)('%s', (_label, text) => {
      const scrubbed = encodings.scrub(`echo: ${text} end`);
      expect(scrubbed).toContain('[REDACTED]');
      const b64 = Buffer.from(secret).toString('base64');
      for (const piece of [secret, 'sesame', Buffer.from(secret).toString('hex').slice(4, 20), b64.slice(4, 14)])
        expect(scrubbed).not.toContain(piece);
    });

    it('scrubs values, never keys, and bounds every line', () => {
      const keyed = new Redactor();
      keyed.add('appliance-password');
      const logger = createMemoryLogger('DEBUG', keyed);
      logger.warn('x', {
        'appliance-password': 'appliance-password',
        huge: 'y'.repeat(3_000_000),
        many: Array.from({ length: 100_000 }, (_, i) => i),
      });
      const line = logger.lines[0]!;
      expect(line).toContain('"appliance-password":"[REDACTED]"');
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
      expect(JSON.parse(line).huge).toMatch(/^y{1024}… \(2998976 more characters\)$/);
    });

    it('keeps a line that stays too long after bounding each field within the bound, as valid JSON', () => {
      const logger = createMemoryLogger('DEBUG', new Redactor());
      const wide = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`f${i}`, 'z'.repeat(1_000)]));
      logger.error(`m${'m'.repeat(100_000)}`, { appliance: 'adc-1', ...wide });
      const line = logger.lines[0]!;
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
      expect(JSON.parse(line)).toMatchObject({ level: 'ERROR', appliance: 'adc-1', lineTruncated: true });
    });
  });

  it('works as a plain function (handed on as a scrub callback)', () => {
    const { scrub } = redactor;
    expect(['a', password].map(scrub)).toEqual(['a', '[REDACTED]']);
  });

  it('keeps a secret with a lone surrogate (no percent-encoded form)', () => {
    expect(redactorFor('abcd\ud800efgh').scrub('x abcd\ud800efgh y')).toBe('x [REDACTED] y');
  });

  it('scrubs every log line', () => {
    const logger = createMemoryLogger('DEBUG', redactor);
    logger.warn('failed', { detail: JSON.stringify({ message: `bad ${password}` }), error: new Error(password) });
    expect(logger.lines[0]).not.toContain('ssw');
    expect(logger.lines[0]).toContain('"detail":"{\\"message\\":\\"bad [REDACTED]\\"}"');
  });
});

describe.each(Object.entries(PASSWORDS))('a %s password echoed by the appliance never comes out', (_label, password) => {
  const redactor = redactorFor(password);
  const logger = createMemoryLogger('DEBUG', redactor);

  it('in the excerpt of a body that is not JSON', () => {
    for (const text of [
      `Authentication failed for user nsroot with password ${password} (attempt 3 of 3, account locked for 10 minutes)`,
      `password ${password} rejected`,
      `{"errorcode":354,"message":"Invalid password ${asciiJson(password)}"} <- and some trailing bytes`,
    ]) {
      const body = readBody(text, 'text/plain', redactor.scrub);
      expect(body.kind).toBe('not-json');
      const excerpt = body.kind === 'not-json' ? body.excerpt : '';
      expect(leakedPieces(excerpt, password)).toEqual([]);
      const message = thrownBy(() => checkAnswer(200, body, context)).message;
      expect(leakedPieces(message, password)).toEqual([]);
    }
    const short = readBody(`password ${password} rejected`, 'text/plain', redactor.scrub);
    expect(short).toEqual({ kind: 'not-json', excerpt: 'password [REDACTED] rejected' });
  });

  it('in the message of a NITRO error, once scrubbed and in the log', () => {
    const message = `Invalid username or password "${password}" for user nsroot`;
    for (const text of [
      JSON.stringify({ errorcode: 354, message, severity: 'ERROR' }),
      `{"errorcode":354,"message":"${asciiJson(message)}","severity":"ERROR"}`,
    ]) {
      const error = thrownBy(() => checkAnswer(401, readBody(text, 'application/json', redactor.scrub), context));
      expect(error.errorClass).toBe('bad-credentials');
      const scrubbed = redactor.scrub(error.message);
      expect(scrubbed).toContain('[REDACTED]');
      expect(leakedPieces(scrubbed, password)).toEqual([]);
      logger.error('login failed', { error, quoted: JSON.stringify({ message: error.message }) });
    }
    for (const line of logger.lines) expect(leakedPieces(line, password)).toEqual([]);
  });

  it('in the excerpt of a stat field value', () => {
    const resource: Record<string, unknown> = {};
    CATALOG.forEach((m, i) => (resource[m.nitroName] = m.kind === 'rate' ? i : String(i + 1)));
    resource.mptcptotsfconn = password;
    resource.mptcpcurpendingjoin = { note: `echo ${password}` };
    resource.mptcpsfconnrate = [password];
    const text = JSON.stringify({ errorcode: 0, message: 'Done', protocolmptcp: [resource] });

    const body = readBody(text, 'application/json', redactor.scrub);
    const answer = checkAnswer(200, body, context);
    const sample = parseSample(unwrapResource(answer.protocolmptcp, 'protocolmptcp'), { scrub: redactor.scrub });

    expect(Object.fromEntries(sample.fieldErrors.map((e) => [e.field, e.value]))).toEqual({
      mptcptotsfconn: '"[REDACTED]"',
      mptcpcurpendingjoin: '{"note":"echo [REDACTED]"}',
      mptcpsfconnrate: '["[REDACTED]"]',
    });
    logger.warn('unusable fields', { fieldErrors: sample.fieldErrors });
    for (const output of [JSON.stringify(sample.fieldErrors), ...logger.lines]) expect(leakedPieces(output, password)).toEqual([]);
  });
});

describe('every run of 8 characters of a password, in every encoding, is hidden; 7 pass', () => {
  const username = 'nsroot';
  const password = 'Tr0ub4dor&3-horse+battery/é';
  const redactor = new Redactor();
  redactor.register('secret-a', password, { username });
  const forms = passwordEncodings(username, password).map((form) => form.replace(/\n/g, ''));

  it('hides each window of each encoding, wherever it starts and ends in the text', () => {
    expect(REDACTION_WINDOW_CHARS).toBe(8);
    for (const form of forms) {
      for (let i = 0; i + 8 <= form.length; i++) {
        const window = form.slice(i, i + 8);
        // The base64 of user:password starts with the user name's own characters: those hide nothing.
        if (form.startsWith(Buffer.from(`${username}:`).toString('base64').slice(0, 8)) && i < 8) continue;
        const scrubbed = redactor.scrub(`reason: NITRO said «${window}» and more`);
        expect(scrubbed, `${form} at ${i}`).not.toContain(window);
        expect(scrubbed).toContain('[REDACTED]');
      }
    }
  });

  it('hides the fragments an appliance was seen to echo (first 12 or 16, last 13, middle 14 of 24)', () => {
    const field = 'Xy7#kQ2!mN9@pL4$vB6%wR1^';
    const field_redactor = new Redactor();
    field_redactor.register('secret-f', field);
    for (const fragment of [field.slice(0, 12), field.slice(0, 16), field.slice(-13), field.slice(5, 19)]) {
      const scrubbed = field_redactor.scrub(`Invalid password '${fragment}' (errorcode 354)`);
      for (let i = 0; i + 8 <= field.length; i++) expect(scrubbed).not.toContain(field.slice(i, i + 8));
      expect(scrubbed).toBe("Invalid password '[REDACTED]' (errorcode 354)");
    }
  });

  it('lets 7 characters of it pass: shorter runs are ordinary text', () => {
    for (let i = 0; i + 7 <= password.length; i++) {
      const piece = password.slice(i, i + 7);
      expect(redactor.scrub(`x ${piece} y`)).toBe(`x ${piece} y`);
    }
  });

  it('leaves no run built from the marker and the characters around it', () => {
    const tricky = 'ED]secret-tail-4711';
    const markers = new Redactor();
    markers.register('secret-m', tricky);
    const scrubbed = markers.scrub('[REDACTED]secret-tail-4711 and ret-tail-4711');
    for (let i = 0; i + 8 <= tricky.length; i++) expect(scrubbed).not.toContain(tricky.slice(i, i + 8));
  });

  it("a rotation replaces the holder's password: the old one is no longer scrubbed, the new one is", () => {
    const rotating = new Redactor();
    rotating.register('adc-1/secret', 'old-Secret-4711-abc');
    rotating.register('adc-2/secret', 'other-Thing-0815-xyz');
    expect(rotating.scrub('old-Secret-4711-abc')).toBe('[REDACTED]');
    rotating.register('adc-1/secret', 'fresh-Word-9911-zq');
    expect(rotating.scrub('old-Secret-4711-abc')).toBe('old-Secret-4711-abc');
    expect(rotating.scrub('fresh-Word-9911-zq other-Thing-0815-xyz')).toBe('[REDACTED] [REDACTED]');
    rotating.forget('adc-2/secret');
    expect(rotating.scrub('other-Thing-0815-xyz')).toBe('other-Thing-0815-xyz');
  });

  it('keeps a password two holders share until both have rotated it away', () => {
    const shared = new Redactor();
    shared.register('a', 'shared-Secret-4711');
    shared.register('b', 'shared-Secret-4711');
    shared.register('a', 'first-Word-0001');
    expect(shared.scrub('shared-Secret-4711')).toBe('[REDACTED]');
    shared.register('b', 'other-Thing-0002');
    expect(shared.scrub('shared-Secret-4711')).toBe('shared-Secret-4711');
  });
});
