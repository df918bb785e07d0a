import { type NodeIdentity, nodeIdentityOf } from '../core/node-identity.js';
import { previewValue, SampleShapeError, unwrapResource } from '../core/sample.js';
import { CollectorError } from '../errors.js';

/** The node's place in an HA pair, from `stat/hanode`. */
export type HaRole =
  | { readonly role: 'standalone' }
  | { readonly role: 'primary' }
  | { readonly role: 'not-primary'; readonly state: string };

/**
 * Reads `hacurstatus` (YES in an HA pair, NO standalone) and `hacurmasterstate` (Primary, Secondary, ...).
 * Only a standalone node or the primary is collected in `primary-only` mode: anything else (Secondary,
 * Claiming, Force Change...) is not the node carrying the traffic.
 */
export function readHaRole(answer: Record<string, unknown>, appliance: string): HaRole {
  let node: Record<string, unknown>;
  try {
    node = unwrapResource(answer.hanode, 'hanode');
  } catch (error) {
    const reason = error instanceof SampleShapeError ? error.message : String(error);
    throw new CollectorError('protocol-error', `${appliance}: GET stat/hanode answered without a usable "hanode" object (${reason})`, {
      appliance,
    });
  }
  const status = textOf(node.hacurstatus).toUpperCase();
  const state = textOf(node.hacurmasterstate);
  if (status === 'NO') return { role: 'standalone' };
  if (status === 'YES') return state.toLowerCase() === 'primary' ? { role: 'primary' } : { role: 'not-primary', state: state || 'unknown' };
  throw new CollectorError(
    'protocol-error',
    `${appliance}: GET stat/hanode has hacurstatus ${previewValue(node.hacurstatus ?? null, MAX_EXCERPT_LENGTH)}, expected YES or NO`,
    { appliance },
  );
}

/** Which node answered (see core/node-identity.ts), from a `stat/hanode` answer readHaRole accepted. */
export function haNodeIdentity(answer: Record<string, unknown>): NodeIdentity | undefined {
  return nodeIdentityOf(unwrapResource(answer.hanode, 'hanode'));
}

const MAX_EXCERPT_LENGTH = 40;

/** A string field trimmed; anything else as a bounded preview (String() of a deep array overflows the stack). */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  return value === undefined || value === null ? '' : previewValue(value, MAX_EXCERPT_LENGTH);
}
