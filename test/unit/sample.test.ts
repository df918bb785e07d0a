import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATALOG, fieldsOfFirmware } from '../../lambda/catalog/catalog.js';
import { parseInteger, parseRate, parseSample, previewValue, SampleShapeError, unwrapResource } from '../../lambda/core/sample.js';
import { readBody } from '../../lambda/nitro/body.js';

const MAX_UINT64 = (1n << 64n) - 1n;

/** A complete resource as a real appliance sends it: integers as strings, rates as numbers. */
function wireResource(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const resource: Record<string, unknown> = {};
  CATALOG.forEach((m, i) => (resource[m.nitroName] = m.kind === 'rate' ? i / 4 : String(1000 + i)));
  return { ...resource, ...overrides };
}

describe('parseInteger (64-bit counters and gauges)', () => {
  it('keeps every 64-bit value exact, from a string or a safe JSON number', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: MAX_UINT64 }).filter((v) => v !== 4294967295n),
        (value) => {
          expect(parseInteger(value.toString())).toEqual({ ok: true, value });
          if (value <= BigInt(Number.MAX_SAFE_INTEGER)) expect(parseInteger(Number(value))).toEqual({ ok: true, value });
        },
      ),
    );
  });

  it('keeps 2^53 + 1 exact (a JS number would round it to 2^53)', () => {
    expect(parseInteger('9007199254740993')).toEqual({ ok: true, value: 9007199254740993n });
  });

  it('never yields a negative, fractional or out-of-range value from any input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.double(), fc.bigInt().map(String)), (raw) => {
        const parsed = parseInteger(raw);
        if (parsed.ok) {
          expect(parsed.value >= 0n && parsed.value <= MAX_UINT64).toBe(true);
        } else {
          expect(parsed.reason.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it.each([
    ['-5', 'negative'],
    [-5, 'negative'],
    ['1.5', 'not a whole number'],
    [1.5, 'not a whole number'],
    ['abc', 'not a number'],
    ['', 'not a number'],
    [null, 'null, not a number'],
    [true, 'a boolean, not a number'],
    [{}, 'an object, not a number'],
    [2 ** 60, 'a JSON number beyond 2^53 cannot be exact (the appliance should send a string)'],
    ['18446744073709551616', 'beyond 2^64-1, not a 64-bit counter'],
    ['4294967295', 'the "not available" sentinel 4294967295'],
  ])('rejects %j: %s', (raw, reason) => {
    expect(parseInteger(raw)).toEqual({ ok: false, reason });
  });
});

describe('parseRate', () => {
  it('accepts finite non-negative numbers and numeric strings', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }), (rate) => {
        expect(parseRate(rate)).toEqual({ ok: true, value: rate + 0 });
      }),
    );
    expect(parseRate('12.5')).toEqual({ ok: true, value: 12.5 });
  });

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY], ['x'], [null]])('rejects %j', (raw) => {
    expect(parseRate(raw).ok).toBe(false);
  });
});

describe('parseSample', () => {
  it('reads every catalog field of a complete wire sample', () => {
    const sample = parseSample(wireResource());
    expect(sample.integers.size).toBe(81);
    expect(sample.rates.size).toBe(76);
    expect(sample.fieldErrors).toEqual([]);
    expect(sample.missing).toEqual([]);
    expect(sample.integers.get('mptcptotmpcapsession')).toBe(1005n);
    expect(sample.integers.get('mptcptotv1mpcapsession')).toBeDefined();
  });

  it('accepts integers sent as JSON numbers and rates sent as strings (firmware differences)', () => {
    const sample = parseSample(wireResource({ mptcptotsfconn: 77, mptcpsfconnrate: '3.5' }));
    expect(sample.integers.get('mptcptotsfconn')).toBe(77n);
    expect(sample.rates.get('mptcpsfconnrate')).toBe(3.5);
  });

  it('leaves out a bad field and reports it, without touching the others', () => {
    const sample = parseSample(wireResource({ mptcperrbadcksum: '-3', mptcperrinvalmac: '2.5', mptcperrunknowntoken: 'n/a' }));
    expect(sample.fieldErrors.map((e) => e.field).sort()).toEqual(['mptcperrbadcksum', 'mptcperrinvalmac', 'mptcperrunknowntoken']);
    expect(sample.fieldErrors).toContainEqual({ field: 'mptcperrbadcksum', value: '"-3"', reason: 'negative' });
    expect(sample.integers.has('mptcperrbadcksum')).toBe(false);
    expect(sample.integers.size).toBe(78);
  });

  it('tolerates missing fields (older firmware) and ignores unknown ones (newer firmware)', () => {
    const resource = wireResource({ mptcptotfuturething: '5' });
    delete resource.mptcpcurpendingjoin;
    delete resource.mptcpmpfailrecvd;
    const sample = parseSample(resource);
    expect(sample.missing).toEqual(['mptcpcurpendingjoin', 'mptcpmpfailrecvd']);
    expect(sample.unknown).toEqual(['mptcptotfuturething']);
    expect(sample.fieldErrors).toEqual([]);
    expect(sample.integers.size).toBe(79);
  });

  it('reads a 13.1 sample (no v1 fields: missing) and a 14.1 one, whose _nextgenapiresource string is not a statistic', () => {
    const of = (firmware: '13.1' | '14.1') => {
      const all = wireResource();
      return Object.fromEntries(fieldsOfFirmware(firmware).map((m) => [m.nitroName, all[m.nitroName]]));
    };
    const old = parseSample(of('13.1'));
    expect(old.missing).toEqual(CATALOG.filter((m) => m.since === '14.1').map((m) => m.nitroName));
    expect(old.missing).toHaveLength(7);
    expect([old.integers.size, old.rates.size]).toEqual([77, 73]);
    const current = parseSample({ ...of('14.1'), _nextgenapiresource: 'stat_protocolmptcp' });
    expect(current.missing).toEqual([]);
    expect(current.unknown).toEqual([]);
    expect(current.fieldErrors).toEqual([]);
    expect([current.integers.size, current.rates.size]).toEqual([81, 76]);
  });

  it('never throws and never yields NaN, whatever the field values are', () => {
    const fieldNames = CATALOG.map((m) => m.nitroName);
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...fieldNames, 'extra'), fc.jsonValue()), (resource) => {
        const sample = parseSample(resource);
        for (const value of sample.rates.values()) expect(Number.isFinite(value) && value >= 0).toBe(true);
        for (const value of sample.integers.values()) expect(value >= 0n).toBe(true);
        expect(sample.integers.size + sample.rates.size + sample.fieldErrors.length + sample.missing.length).toBe(157);
      }),
    );
  });
});

describe('a field nested 100,000 levels deep', () => {
  const DEPTH = 100_000;
  const deepArray = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
  const deepObject = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;

  /** The stat answer as the appliance would send it, with `fields` spliced in as raw JSON text. */
  function answerText(fields: Record<string, string>): string {
    const placeholders = Object.fromEntries(Object.keys(fields).map((name) => [name, `@@${name}@@`]));
    let text = JSON.stringify({ errorcode: 0, message: 'Done', severity: 'NONE', protocolmptcp: [wireResource(placeholders)] });
    for (const [name, json] of Object.entries(fields)) text = text.replace(`"@@${name}@@"`, json);
    return text;
  }

  it('is parsed by JSON.parse (iterative in V8) and costs one FieldError, not the appliance', () => {
    const body = readBody(
      answerText({ mptcptotsfconn: deepArray, mptcpsfconnrate: deepArray, mptcpcurpendingjoin: deepObject }),
      'application/json',
    );
    expect(body.kind).toBe('json');
    const answer = body.kind === 'json' ? (body.value as Record<string, unknown>) : {};
    const sample = parseSample(unwrapResource(answer.protocolmptcp, 'protocolmptcp'));

    expect(Object.fromEntries(sample.fieldErrors.map((e) => [e.field, [e.value, e.reason]]))).toEqual({
      mptcptotsfconn: [`${'['.repeat(39)}…`, 'an array, not a number'],
      mptcpsfconnrate: [`${'['.repeat(39)}…`, 'an array, not a number'],
      mptcpcurpendingjoin: [`${'{"a":'.repeat(7)}{"a"…`, 'an object, not a number'],
    });
    expect(sample.integers.size + sample.rates.size).toBe(154);
  });
});

describe('previewValue (the FieldError excerpt)', () => {
  it('writes short values as JSON and cuts long ones to the limit', () => {
    expect(previewValue('-3', 40)).toBe('"-3"');
    expect(previewValue({ a: [1, null, true, 'x'], b: {} }, 40)).toBe('{"a":[1,null,true,"x"],"b":{}}');
    expect(previewValue(Number.NaN, 40)).toBe('NaN');
    expect(previewValue(12n, 40)).toBe('12');
    expect(previewValue('x'.repeat(100), 10)).toBe('"xxxxxxxx…');
    expect(
      previewValue(
        Array.from({ length: 1_000_000 }, (_, i) => i),
        12,
      ),
    ).toBe('[0,1,2,3,4,…');
  });

  it('shows only printable ASCII', () => {
    expect(previewValue('grüße\n', 40)).toBe('"gr??e\\n"');
  });

  it('does not call toString or toJSON of a value', () => {
    expect(previewValue({ toString: 1, toJSON: 2 }, 40)).toBe('{"toString":1,"toJSON":2}');
  });

  it('never recurses, however deep the value', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 1_000_000; i++) deep = i % 2 ? [deep] : { k: deep };
    expect(previewValue(deep, 20)).toBe('[{"k":[{"k":[{"k":[…');
  });

  it('scrubs each string whole before cutting it', () => {
    const scrub = (text: string) => text.replaceAll('hunter2-and-more', '[REDACTED]');
    expect(previewValue({ password: 'hunter2-and-more' }, 20, scrub)).toBe('{"password":"[REDAC…');
  });

  it('is at most maxLength characters for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 2, max: 60 }), (value, maxLength) => {
        expect(previewValue(value, maxLength).length).toBeLessThanOrEqual(maxLength);
      }),
    );
  });
});

describe('unwrapResource', () => {
  it('accepts the object the wire sends and the one-element array the vendor page shows', () => {
    expect(unwrapResource({ a: 1 }, 'protocolmptcp')).toEqual({ a: 1 });
    expect(unwrapResource([{ a: 1 }], 'protocolmptcp')).toEqual({ a: 1 });
  });

  it.each([[[]], [[{}, {}]], ['text'], [null], [[1]]])('rejects %j with a shape error', (value) => {
    expect(() => unwrapResource(value, 'protocolmptcp')).toThrow(SampleShapeError);
  });
});
