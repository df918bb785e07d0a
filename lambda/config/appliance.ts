import { z } from 'zod';
import {
  MAX_VIRTUAL_SERVER_NAME_LENGTH,
  MAX_VIRTUAL_SERVERS_PER_APPLIANCE,
  VIRTUAL_SERVER_RULE,
  virtualServerListProblems,
} from '../catalog/virtual-server.js';
import { isRecord } from '../core/is-record.js';
import { CollectorError } from '../errors.js';
import { pemBundleProblem } from './pem.js';

/**
 * One appliance to collect: the handler contract's `ApplianceConfig`. The CDK config file uses the same schema,
 * so a configuration that synthesizes is one the function accepts.
 */
export const applianceConfigSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'must be a non-empty string')
      .max(255, 'must be at most 255 characters (it becomes the Appliance dimension)')
      .regex(/^[\x21-\x7e][\x20-\x7e]*$/, 'must be printable ASCII and not start with a space (it becomes the Appliance dimension)'),
    url: z
      .string()
      .trim()
      .refine(isHttpUrl, 'must be an absolute https:// URL of the appliance (e.g. https://adc.example.com), without path or query')
      .refine(hasNoUserinfo, 'must not contain a username or password (user:password@): put the credentials into the secret named by secretId'),
    secretId: z.string().trim().min(1, 'must be a Secrets Manager secret name or ARN'),
    caCertificate: z
      .string()
      .superRefine((pem, ctx) => {
        const problem = pemBundleProblem(pem);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    tlsServerName: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9.-]+$/, 'must be a DNS name (the name in the appliance certificate)')
      .optional(),
    insecureSkipVerify: z.boolean().optional(),
    haMode: z.enum(['primary-only', 'any']).optional(),
    /** Explicit opt-in for a plain http:// URL (credentials then cross the network unencrypted). */
    allowPlainHttp: z.boolean().optional(),
    /** lb/cs virtual servers whose current MPTCP sessions and subflows are published (one GET each per run). */
    virtualServers: z
      .array(z.string({ error: `must be ${VIRTUAL_SERVER_RULE}` }).max(MAX_VIRTUAL_SERVER_NAME_LENGTH + 3, `must be ${VIRTUAL_SERVER_RULE}`), {
        error: `must be a list of at most ${MAX_VIRTUAL_SERVERS_PER_APPLIANCE} virtual servers, each ${VIRTUAL_SERVER_RULE}`,
      })
      // Bounded before anything looks at the entries: a huge list costs no more than a short one.
      .max(MAX_VIRTUAL_SERVERS_PER_APPLIANCE, `must list at most ${MAX_VIRTUAL_SERVERS_PER_APPLIANCE} virtual servers (one GET each per run)`)
      .superRefine((list, ctx) => {
        for (const [index, message] of virtualServerListProblems(list))
          ctx.addIssue({ code: 'custom', message, ...(index === undefined ? {} : { path: [index] }) });
      })
      .optional(),
  })
  .strict()
  .superRefine((appliance, ctx) => {
    if (appliance.url.startsWith('http://') && appliance.allowPlainHttp !== true) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'is plain http://: use https://, or set "allowPlainHttp": true to send credentials unencrypted on purpose',
      });
    }
  });

export type ApplianceConfig = z.infer<typeof applianceConfigSchema>;

export const appliancesSchema = z
  .array(applianceConfigSchema)
  .min(1, 'must list at least one appliance')
  .superRefine((appliances, ctx) => {
    const seen = new Map<string, number>();
    appliances.forEach((appliance, index) => {
      const first = seen.get(appliance.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `"${appliance.name}" is already used by appliances[${first}]: names must be unique (they key the state table)`,
        });
      } else seen.set(appliance.name, index);
    });
  });

export class ConfigurationError extends CollectorError {
  override readonly name = 'ConfigurationError';
  constructor(message: string) {
    super('configuration', message);
  }
}

/**
 * Validates a list of appliances, throwing one ConfigurationError that names every bad field, e.g.
 * `appliances[1] (adc-2).url must be an absolute https:// URL ...`.
 */
export function parseAppliances(input: unknown, source: string): ApplianceConfig[] {
  const result = appliancesSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigurationError(`invalid ${source}: ${describeIssues(result.error, input, 'appliances')}`);
}

/** Renders zod issues as `prefix[1] (name).field message`, one per issue, joined with "; ". */
export function describeIssues(error: z.ZodError, input: unknown, prefix: string): string {
  return error.issues.map((issue) => `${renderPath(prefix, issue.path, input)} ${issue.message}`).join('; ');
}

function renderPath(prefix: string, path: readonly PropertyKey[], input: unknown): string {
  let rendered = prefix;
  let node: unknown = input;
  for (const key of path) {
    if (typeof key === 'number') {
      node = Array.isArray(node) ? node[key] : undefined;
      const name = isRecord(node) && typeof node.name === 'string' ? ` (${node.name})` : '';
      rendered += `[${key}]${name}`;
    } else {
      node = isRecord(node) ? node[String(key)] : undefined;
      rendered += `.${String(key)}`;
    }
  }
  return rendered;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && (url.pathname === '/' || url.pathname === '') && !url.search;
  } catch {
    return false;
  }
}

/** True for a URL without user or password, and for text that is no URL (isHttpUrl reports that). */
function hasNoUserinfo(value: string): boolean {
  try {
    const url = new URL(value);
    return url.username === '' && url.password === '';
  } catch {
    return true;
  }
}
