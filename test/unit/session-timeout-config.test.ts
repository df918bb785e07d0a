import { describe, expect, it } from 'vitest';
import { parseAppliances } from '../../lambda/config/appliance.js';

const appliance = (sessionTimeoutSeconds: unknown) => [
  { name: 'adc-1', url: 'https://adc.example.com', secretId: 's', sessionTimeoutSeconds },
];

describe('sessionTimeoutSeconds (per appliance)', () => {
  it('accepts whole seconds from 300 to 86400', () => {
    for (const seconds of [300, 900, 86_400]) expect(parseAppliances(appliance(seconds), 'test')[0]?.sessionTimeoutSeconds).toBe(seconds);
    expect(
      parseAppliances([{ name: 'adc-1', url: 'https://adc.example.com', secretId: 's' }], 'test')[0]?.sessionTimeoutSeconds,
    ).toBeUndefined();
  });

  it.each([[120], [299], [86_401], [300.5], ['300'], [null]])('refuses %j, naming the appliance, the field and the range', (seconds) => {
    expect(() => parseAppliances(appliance(seconds), 'APPLIANCES')).toThrow(
      /APPLIANCES\[0\] \(adc-1\)\.sessionTimeoutSeconds must be a whole number of seconds from 300 to 86400/,
    );
  });
});
