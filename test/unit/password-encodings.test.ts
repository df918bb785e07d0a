/** The soak's and the hostile-appliance test's leak check: runs of 8 password characters in any encoding, no fewer. */
import { describe, expect, it } from 'vitest';
import { LEAK_RUN_CHARS, leakPieces, leaks, passwordEncodings } from '../support/password-encodings.js';

const username = 'nsroot';
const passwords = [
  'sim-Pw0rd-8e27b2db',
  `${'Long-Passw0rd-'.repeat(3)}9ce64f50`,
  'pässwörd-ÄÖÜ-密码-🔑-67b01918',
  'line one\nline "two" \\ b25ea9a8',
];
const line = (reason: string) => JSON.stringify({ level: 'ERROR', message: 'appliance collection failed', reason });

/** Every encoding of one run of the password's characters, as an appliance would echo that part on its own. */
function encodingsOfPart(part: string): string[] {
  const bytes = Buffer.from(part);
  return [
    part,
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    new URLSearchParams({ p: part }).toString().slice(2),
    encodeURIComponent(part),
    bytes.toString('latin1'),
  ];
}

describe('leaks: a run of 8 password characters, in any encoding', () => {
  it('finds the whole password in each encoding an appliance echoes, in a log line', () => {
    expect(LEAK_RUN_CHARS).toBe(8);
    for (const password of passwords) {
      for (const form of passwordEncodings(username, password))
        expect(leaks(line(`echo: ${form}`), username, password), form).not.toEqual([]);
    }
  });

  it('finds any 8-character part of the password, echoed on its own in each encoding, wherever it starts', () => {
    for (const password of passwords) {
      const characters = [...password];
      for (let i = 0; i + 8 <= characters.length; i++) {
        const part = characters.slice(i, i + 8).join('');
        for (const form of encodingsOfPart(part)) {
          expect(leaks(line(`said ${form} there`), username, password), `${JSON.stringify(part)} as ${form}`).not.toEqual([]);
          // HTTP Basic of the user and the part: another byte alignment of its base64.
          expect(leaks(`x ${Buffer.from(`${username}:${part}`).toString('base64')} y`, username, password)).not.toEqual([]);
        }
      }
    }
  });

  it('finds a part split across a line break, raw or escaped in JSON', () => {
    const password = passwords[1]!;
    const split = `${password.slice(0, 44)}\n${password.slice(44)}`;
    expect(leaks(`echo ${split}`, username, password)).not.toEqual([]);
    expect(leaks(line(`echo ${split}`), username, password)).not.toEqual([]);
  });

  it('lets 7 characters pass, in every encoding', () => {
    for (const password of passwords) {
      const characters = [...password];
      for (let i = 0; i + 7 <= characters.length; i++) {
        const part = characters.slice(i, i + 7).join('');
        // Between neighbours no password continues with (a space would). Base64 without its last character: its
        // padding bits may equal the next password character's, and those 60 bits (7.5 characters) are flagged.
        const forms = encodingsOfPart(part).map((form, k) => (k === 1 || k === 2 ? form.replace(/=+$/, '').slice(0, -1) : form));
        for (const form of forms)
          expect(leaks(`said\u0007${form}\u0007there`, username, password), `${JSON.stringify(part)} as ${form}`).toEqual([]);
      }
    }
  });

  it('flags no unrelated 8-hex-character string (a request id, a hash) that matches part of an encoding by chance', () => {
    const password = 'sim-Pw0rd-8e27b2db';
    const hex = Buffer.from(password).toString('hex');
    // 8 hex digits of the hex form are 4 password characters; 8 of the base64 form 6: less than a run.
    const coincidences = [hex.slice(0, 8), hex.slice(5, 13), hex.slice(-8), Buffer.from(password).toString('base64').slice(3, 11)];
    for (const id of coincidences) expect(leaks(line(`request ${id} failed`), username, password), id).toEqual([]);
    expect(leaks(line('GET stat/protocolmptcp answered HTTP 503 (request id 2d50773a, hash 3072642d)'), username, password)).toEqual([]);
  });

  it('measures each piece in password characters: 16 hex digits, 10 base64 characters for 8 ASCII ones', () => {
    const pieces = leakPieces(username, 'abcdefghij');
    expect(pieces).toContain(Buffer.from('abcdefgh').toString('hex'));
    expect(pieces).toContain('abcdefgh');
    expect(pieces).toContain(Buffer.from('abcdefgh').toString('base64').slice(0, 10));
    expect(Math.min(...pieces.map((p) => p.length))).toBe(8);
    expect(pieces.filter((p) => /^[0-9a-f]+$/.test(p) && p.length < 16)).toEqual([]);
  });

  it('gives nothing for the user name: its own characters are no part of the password', () => {
    expect(leaks(line(`login as ${username}: refused`), username, `${username}-Secret-4711`)).toEqual([]);
  });
});
