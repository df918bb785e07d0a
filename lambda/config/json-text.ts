/**
 * JSON.parse with a plain-words syntax error: `line 3, column 5: expected "," or "}"`. V8's own messages vary
 * between Node versions, some have no position and some quote the input: this scanner finds the first error
 * itself and never echoes the text (it may be a secret-bearing environment variable).
 */
export type JsonText = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

export function parseJsonText(text: string): JsonText {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    const { at, expected } = firstSyntaxError(text);
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    const found = at >= text.length ? 'the end of the text' : describeChar(text[at]!);
    return { ok: false, problem: `not valid JSON: line ${line}, column ${column}: expected ${expected}, found ${found}` };
  }
}

function describeChar(char: string): string {
  return /^[\x21-\x7e]$/.test(char) ? `"${char}"` : `character U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

class SyntaxAt {
  constructor(
    readonly at: number,
    readonly expected: string,
  ) {}
}

/** The position of the first syntax error and what was expected there. */
function firstSyntaxError(text: string): { at: number; expected: string } {
  let i = 0;
  const fail = (expected: string): never => {
    throw new SyntaxAt(i, expected);
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string) => {
    for (const char of word) {
      if (text[i] !== char) fail(`"${word}"`);
      i++;
    }
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail('a closing quote (a line break inside a string must be written \\n)');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          i++;
          for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail('four hex digits after \\u');
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail('an escape such as \\n, \\" or \\\\');
      }
      i++;
    }
    if (i >= text.length) fail('a closing quote');
    i++;
  };
  const numberValue = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match) fail('a value (a string, number, object, list, true, false or null)');
    i += match![0].length;
  };
  const value = (): void => {
    space();
    const char = text[i];
    if (char === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail(text[i] === '}' ? 'a field name (no comma before "}")' : 'a field name in double quotes');
        string();
        space();
        if (text[i] !== ':') fail('":"');
        i++;
        value();
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail('"," or "}"');
      }
    }
    if (char === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] === ']') fail('a value (no comma before "]")');
        value();
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail('"," or "]"');
      }
    }
    if (char === '"') string();
    else if (char === 't') literal('true');
    else if (char === 'f') literal('false');
    else if (char === 'n') literal('null');
    else numberValue();
  };
  try {
    value();
    space();
    if (i < text.length) fail('the end of the text after the value');
    // JSON.parse failed where this scanner did not (it should not happen): point at the end.
    return { at: text.length, expected: 'valid JSON' };
  } catch (error) {
    if (error instanceof SyntaxAt) return { at: error.at, expected: error.expected };
    throw error;
  }
}
