/** CloudWatch's rules for a custom namespace: one rule for the config file, the function's environment and the sink. */
const NAMESPACE_PATTERN = /^[0-9A-Za-z.\-_/#: ]{1,255}$/;

export const NAMESPACE_RULE = 'a CloudWatch namespace: 1 to 255 of A-Z a-z 0-9 . - _ / # : and space, not starting with "AWS/"';

/** A namespace CloudWatch accepts for custom metrics (and that the dashboard's SEARCH can quote). */
export function namespaceProblem(namespace: string): string | undefined {
  if (!NAMESPACE_PATTERN.test(namespace)) return `must be ${NAMESPACE_RULE}`;
  if (namespace.startsWith('AWS/') || namespace.trim().length === 0)
    return 'must not start with "AWS/" (reserved for AWS services) and must not be blank';
  return undefined;
}
