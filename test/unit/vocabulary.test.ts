import { describe, expect, it } from 'vitest';
import { VOCABULARY } from '../../lambda/core/vocabulary.generated.js';
import { MIN_PASSWORD_LENGTH, unredactablePassword } from '../../lambda/logger.js';
import { collectorVocabulary, literalsOf } from '../../scripts/vocabulary.js';

describe("the collector's vocabulary", () => {
  it('is up to date with the source (run `npm run vocabulary` after changing a message)', () => {
    expect([...VOCABULARY]).toEqual(collectorVocabulary());
  });

  it('holds the fixed text of log messages, errorClass values and metric names', () => {
    for (const text of ['appliance collected', 'appliance-error', 'bad-credentials', 'CollectionSuccess', '[REDACTED]'])
      expect(VOCABULARY).toContain(text);
  });

  it('takes the fixed parts of template literals, not what they interpolate, and skips comments', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal, on purpose
    const source = "// a comment with 'quotes'\nconst a = `reading ${x + `inner ${y}`} failed` + 'it\\'s' + \"two\"; /* 'no' */";
    expect(literalsOf(source)).toEqual(['reading ', 'inner ', '', ' failed', "it's", 'two']);
  });

  it('leaves module specifiers out: they are never text of a message', () => {
    const source =
      "import { a } from '../nitro/transport.js';\nimport './side-effect.js';\nconst b = await import('node:fs');\nlog('imported from disk');";
    expect(literalsOf(source)).toEqual(['imported from disk']);
  });
});

describe('a password redaction cannot hide', () => {
  it.each(['collected-4711', 'my-appliance-pw', 'datapoints-4711', 'xx[REDACTED]xx', 'sim-password-1'])(
    '%s shares a run of 8 with the vocabulary',
    (password) => {
      const reason = unredactablePassword(password);
      expect(reason).toMatch(/collector's own message text/);
      expect(reason).not.toContain(password);
    },
  );

  it(`is shorter than ${MIN_PASSWORD_LENGTH} characters (spaces at either end not counted)`, () => {
    for (const password of ['collected', 'appliance', 'datapoints', 'Kx7-moon-41', '  Kx7-moon-41  '])
      expect(unredactablePassword(password)).toMatch(/shorter than 12/);
    expect(unredactablePassword('Kx7-moon-4711')).toBeUndefined();
  });
});
