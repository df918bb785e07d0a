/**
 * Injected faults: each rule applies to the next `times` requests of one kind of call. Latency rules delay a
 * request and let it go on; every other kind decides the answer (or the lack of one).
 */
import { z } from 'zod';
import type { Fault, FaultKind, FaultOptions, FaultTarget } from './types.js';

const httpStatus = z.number().int().min(100).max(999);
/** A header value that cannot split the answer: printable ASCII only. */
const headerValue = z.string().regex(/^[\x20-\x7e]+$/, 'printable ASCII, not empty');

export const faultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('nitro-error'), status: httpStatus, errorcode: z.number().int(), message: z.string().optional() }),
  z.object({ kind: z.literal('session-expired'), status: httpStatus.optional(), keepSession: z.boolean().optional() }),
  z.object({ kind: z.literal('not-authorized') }),
  z.object({ kind: z.literal('html'), status: httpStatus.optional() }),
  z.object({ kind: z.literal('not-json') }),
  z.object({ kind: z.literal('truncated') }),
  z.object({ kind: z.literal('no-resource-key') }),
  z.object({ kind: z.literal('latency'), ms: z.number().int().min(0).max(3_600_000) }),
  z.object({ kind: z.literal('hang') }),
  z.object({ kind: z.literal('reset') }),
  z.object({
    kind: z.literal('drip'),
    intervalMs: z.number().int().min(1).max(3_600_000).optional(),
    bytes: z
      .number()
      .int()
      .min(1)
      .max(1024 * 1024)
      .optional(),
  }),
  z.object({ kind: z.literal('text'), status: httpStatus.optional(), contentType: headerValue.optional(), body: z.string() }),
  z.object({ kind: z.literal('decoy-cookie') }),
]);

export const faultTargetSchema = z.enum(['login', 'stat', 'hanode', 'vserver', 'logout', 'any']);

export const faultTimesSchema = z.union([z.number().int().min(1), z.literal(Number.POSITIVE_INFINITY)]);

/** The call a request is, for matching fault rules; 'other' is anything but the four NITRO calls. */
export type CallKind = Exclude<FaultTarget, 'any'> | 'other';

type TerminalFault = Exclude<Fault, { kind: 'latency' }>;

/** Faults that only make sense on one call: injected for 'any', they wait for that call. */
const ONLY_ON: Partial<Record<FaultKind, CallKind>> = { 'decoy-cookie': 'login' };

export interface FaultDecision {
  /** Sum of the latency faults that matched. */
  readonly delayMs: number;
  readonly terminal?: TerminalFault;
}

interface FaultRule {
  readonly fault: Fault;
  readonly on: FaultTarget;
  remaining: number;
}

export class FaultBook {
  private rules: FaultRule[] = [];

  /** Validates and adds a rule; throws TypeError describing an invalid fault or option. */
  inject(fault: Fault, options: FaultOptions = {}): void {
    const parsedFault = faultSchema.safeParse(fault);
    if (!parsedFault.success) throw new TypeError(`invalid fault: ${z.prettifyError(parsedFault.error)}`);
    const on = faultTargetSchema.safeParse(options.on ?? 'any');
    if (!on.success) throw new TypeError(`invalid fault target: ${z.prettifyError(on.error)}`);
    const only = ONLY_ON[parsedFault.data.kind];
    if (only !== undefined && on.data !== 'any' && on.data !== only) {
      throw new TypeError(`invalid fault target: '${parsedFault.data.kind}' applies to '${only}' only`);
    }
    const times = faultTimesSchema.safeParse(options.times ?? 1);
    if (!times.success) throw new TypeError('invalid fault times: a positive integer or Infinity');
    this.rules.push({ fault: parsedFault.data, on: on.data, remaining: times.data });
  }

  clear(): void {
    this.rules = [];
  }

  /** Consumes the rules that apply to one request of kind `call`: all matching latency rules, then one other. */
  take(call: CallKind): FaultDecision {
    let delayMs = 0;
    let terminal: TerminalFault | undefined;
    for (const rule of this.rules) {
      if (rule.remaining <= 0 || !applies(rule, call)) continue;
      if (rule.fault.kind === 'latency') {
        delayMs += rule.fault.ms;
      } else if (terminal === undefined) {
        terminal = rule.fault;
      } else {
        continue;
      }
      rule.remaining -= 1;
    }
    this.rules = this.rules.filter((rule) => rule.remaining > 0);
    return terminal === undefined ? { delayMs } : { delayMs, terminal };
  }
}

function applies(rule: FaultRule, call: CallKind): boolean {
  const only = ONLY_ON[rule.fault.kind];
  if (only !== undefined && only !== call) return false;
  return rule.on === 'any' || rule.on === call;
}
