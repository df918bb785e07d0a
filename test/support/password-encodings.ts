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

/** Pieces that give a password (or an encoding of it) away: 8 characters in a row of any of its encodings. */
export function leaks(text: string, username: string, password: string): string[] {
  const found = new Set<string>();
  const forms = passwordEncodings(username, password).map((form) => form.replace(/\n/g, ''));
  forms.push(JSON.stringify(password).slice(1, -1), Buffer.from(password).toString('hex').toUpperCase());
  const userPrefix = Buffer.from(`${username}:`).toString('base64');
  for (const form of forms) {
    // base64 of user:password starts with the user's own characters: only the part after them gives anything away.
    for (let i = 0; i + 8 <= form.length; i++) {
      const piece = form.slice(i, i + 8);
      if (text.includes(piece) && !username.includes(piece) && !userPrefix.includes(piece)) found.add(piece);
    }
  }
  return [...found];
}
