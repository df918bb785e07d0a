/**
 * The control operations over HTTP, under /_control (documented in simulator/README.md). Bodies and answers are
 * JSON; exact 64-bit values travel as decimal strings. The password is accepted, never returned.
 */
import { z } from 'zod';
import { faultSchema, faultTargetSchema } from './faults.js';
import { RawJson } from './json-text.js';
import { type HttpReply, jsonReply } from './replies.js';
import type { JsonValue, SimulatorControl } from './types.js';

export const CONTROL_PREFIX = '/_control';

const integerValue = z.union([z.string(), z.number()]);
const jsonValue = z.json();

type RouteHandler = (body: unknown) => unknown;

function routes(control: SimulatorControl): ReadonlyMap<string, RouteHandler> {
  const done = { ok: true };
  return new Map<string, RouteHandler>([
    [
      'POST /credentials',
      (body) => {
        const { username, password } = z.object({ username: z.string().min(1), password: z.string().min(1) }).parse(body);
        control.setCredentials(username, password);
        return done;
      },
    ],
    [
      'GET /counters',
      () => ({
        counters: Object.fromEntries(Object.entries(control.getCounters()).map(([name, value]) => [name, value.toString()])),
        rates: control.getRates(),
      }),
    ],
    [
      'POST /counters',
      (body) => {
        const parsed = z
          .union([z.object({ name: z.string(), value: integerValue }), z.object({ counters: z.record(z.string(), integerValue) })])
          .parse(body);
        const counters = 'counters' in parsed ? Object.entries(parsed.counters) : [[parsed.name, parsed.value] as const];
        for (const [name, value] of counters) control.setCounter(name, value);
        return done;
      },
    ],
    [
      'POST /advance',
      (body) => {
        control.advance(z.object({ seconds: z.number().min(0) }).parse(body).seconds);
        return done;
      },
    ],
    [
      'POST /auto-advance',
      (body) => {
        control.setAutoAdvance(z.object({ enabled: z.boolean() }).parse(body).enabled);
        return done;
      },
    ],
    ['POST /reboot', () => (control.reboot(), done)],
    ['POST /clear-stats', () => (control.clearStats(), done)],
    [
      'POST /shape',
      (body) => {
        control.setShape(z.object({ shape: z.enum(['object', 'array']) }).parse(body).shape);
        return done;
      },
    ],
    [
      'POST /integer-encoding',
      (body) => {
        control.setIntegerEncoding(z.object({ encoding: z.enum(['string', 'number']) }).parse(body).encoding);
        return done;
      },
    ],
    [
      'POST /fields/remove',
      (body) => {
        control.removeFields(z.object({ names: z.array(z.string()) }).parse(body).names);
        return done;
      },
    ],
    [
      'POST /fields/add',
      (body) => {
        control.addFields(z.object({ fields: z.record(z.string(), jsonValue) }).parse(body).fields as Record<string, JsonValue>);
        return done;
      },
    ],
    [
      'POST /fields/raw',
      (body) => {
        const parsed = z
          .union([z.object({ name: z.string(), json: z.string() }), z.object({ name: z.string(), value: jsonValue })])
          .parse(body);
        control.setRawField(parsed.name, 'json' in parsed ? new RawJson(parsed.json) : (parsed.value as JsonValue));
        return done;
      },
    ],
    ['POST /fields/reset', () => (control.resetFields(), done)],
    [
      'POST /ha-state',
      (body) => {
        const state = z
          .object({ hacurstatus: z.string().optional(), hacurmasterstate: z.string().optional(), hacurstate: z.string().optional() })
          .parse(body);
        control.setHaState(state);
        return done;
      },
    ],
    ['POST /ha-pair', () => (control.haPair(), done)],
    ['POST /ha-switch', () => (control.haSwitch(), done)],
    [
      'POST /faults',
      (body) => {
        const parsed = z
          .object({
            fault: faultSchema,
            on: faultTargetSchema.optional(),
            times: z.union([z.number().int().min(1), z.literal('Infinity')]).optional(),
          })
          .parse(body);
        const times = parsed.times === 'Infinity' ? Number.POSITIVE_INFINITY : parsed.times;
        control.injectFault(parsed.fault, { ...(parsed.on ? { on: parsed.on } : {}), ...(times ? { times } : {}) });
        return done;
      },
    ],
    ['DELETE /faults', () => (control.clearFaults(), done)],
    ['GET /requests', () => ({ requests: control.requests() })],
    ['DELETE /requests', () => (control.clearRequests(), done)],
    [
      'GET /sessions',
      () => ({
        open: control.openSessions(),
        maxConcurrent: control.maxConcurrentSessions(),
        logins: control.logins(),
        tags: control.openSessionTags(),
      }),
    ],
    ['DELETE /sessions', () => (control.killSessions(), done)],
    [
      'POST /virtual-servers',
      (body) => {
        const { type, name, curmptcpsessions, cursubflowconn } = z
          .object({
            type: z.enum(['lb', 'cs']),
            name: z.string().min(1),
            curmptcpsessions: integerValue.optional(),
            cursubflowconn: integerValue.optional(),
          })
          .parse(body);
        control.setVirtualServer(type, name, {
          ...(curmptcpsessions === undefined ? {} : { curmptcpsessions }),
          ...(cursubflowconn === undefined ? {} : { cursubflowconn }),
        });
        return done;
      },
    ],
    [
      'POST /virtual-servers/remove',
      (body) => {
        const { type, name } = z.object({ type: z.enum(['lb', 'cs']), name: z.string().min(1) }).parse(body);
        control.removeVirtualServer(type, name);
        return done;
      },
    ],
  ]);
}

export class ControlRouter {
  private readonly table: ReadonlyMap<string, RouteHandler>;

  constructor(control: SimulatorControl) {
    this.table = routes(control);
  }

  static handles(path: string): boolean {
    return path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`);
  }

  answer(method: string, path: string, body: string): HttpReply {
    const handler = this.table.get(`${method} ${path.slice(CONTROL_PREFIX.length)}`);
    if (!handler) return jsonReply(404, { error: `no control operation ${method} ${path}` });
    let parsedBody: unknown = {};
    if (body.trim() !== '') {
      try {
        parsedBody = JSON.parse(body);
      } catch {
        return jsonReply(400, { error: 'the body is not JSON' });
      }
    }
    try {
      return jsonReply(200, handler(parsedBody));
    } catch (error) {
      const message = error instanceof z.ZodError ? z.prettifyError(error) : error instanceof Error ? error.message : String(error);
      return jsonReply(400, { error: message });
    }
  }
}
