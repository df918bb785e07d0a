/**
 * The README is a front door that links into docs/: every relative link and #anchor in README.md and docs/*.md
 * must land on a file that exists and, for an anchor, on one of that file's headings (GitHub's slug of it).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const README_MAX_LINES = 400;

const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The text outside fenced code blocks (a `# comment` in a shell block is not a heading, a `[x](y)` there no link). */
function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').filter((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** GitHub's anchor for a heading text: lower case, punctuation dropped, spaces to hyphens. */
function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a file's headings make, a repeated slug numbered as GitHub does (-1, -2, ...). */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of prose(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = githubSlug(heading[1]!);
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return anchors;
}

/** The relative targets of the inline links in a document's prose. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown)
    .join('\n')
    .replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

describe('links between the README and docs/', () => {
  it('the slug of a heading is the one GitHub makes', () => {
    expect(githubSlug('CredentialsRejected: rejected credentials, no lockout')).toBe('credentialsrejected-rejected-credentials-no-lockout');
    expect(githubSlug('2. One secret per appliance (or one shared)')).toBe('2-one-secret-per-appliance-or-one-shared');
    expect(githubSlug('`appliances[]`')).toBe('appliances');
    expect(githubSlug('When CloudWatch, DynamoDB or Secrets Manager fails: no count is lost')).toBe(
      'when-cloudwatch-dynamodb-or-secrets-manager-fails-no-count-is-lost',
    );
    expect([...anchorsOf('# A\n## A\n```sh\n# A\n```\n### A\n')]).toEqual(['a', 'a-1', 'a-2']);
  });

  it.each(DOCUMENTS)('every relative link and anchor in %s resolves', (document) => {
    const broken: string[] = [];
    for (const target of linkTargets(readFileSync(join(ROOT, document), 'utf8'))) {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path === '' ? join(ROOT, document) : resolve(ROOT, dirname(document), decodeURIComponent(path));
      if (relative(ROOT, file).startsWith('..') || !existsSync(file)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(anchor))
        broken.push(`${target}: no heading with that anchor in ${relative(ROOT, file)}`);
    }
    expect(broken, document).toEqual([]);
  });

  it(`README.md is a front door: at most ${README_MAX_LINES} lines, the detail in docs/`, () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });
});
