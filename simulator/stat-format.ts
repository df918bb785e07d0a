/**
 * How the stat resources are written on the wire: object or one-element array, integers as strings or bare
 * numbers, and per-field overrides (removed, added, odd raw values) to imitate other firmware.
 */
import { BY_NITRO_NAME, CATALOG, type FirmwareVersion, fieldsOfFirmware } from '../lambda/catalog/catalog.js';
import type { CounterStore } from './counter-store.js';
import { objectText, type RawJson, toJsonText } from './json-text.js';
import type { HaState, IntegerEncoding, JsonValue, ResponseShape } from './types.js';

/** What 14.1 sends under `_nextgenapiresource` (a string naming the resource, not a statistic). */
export const NEXTGEN_API_RESOURCE_VALUE = 'protocolmptcp';

export class StatFormat {
  shape: ResponseShape;
  integerEncoding: IntegerEncoding;
  private fields: ReadonlySet<string>;
  private firmwareVersion: FirmwareVersion = '13.1';
  private readonly removed = new Set<string>();
  /** Field -> JSON text that replaces the real value (catalog fields) or is appended (any other name). */
  private readonly overrides = new Map<string, string>();

  constructor(shape: ResponseShape, integerEncoding: IntegerEncoding, firmware: FirmwareVersion) {
    this.shape = shape;
    this.integerEncoding = integerEncoding;
    this.fields = new Set();
    this.firmware = firmware;
  }

  get firmware(): FirmwareVersion {
    return this.firmwareVersion;
  }

  /** The firmware whose field set is served (catalog fields it lacks are left out unless set by setField). */
  set firmware(firmware: FirmwareVersion) {
    this.firmwareVersion = firmware;
    this.fields = new Set(fieldsOfFirmware(firmware).map((m) => m.nitroName));
  }

  removeFields(names: readonly string[]): void {
    for (const name of names) {
      this.removed.add(name);
      this.overrides.delete(name);
    }
  }

  setField(name: string, value: JsonValue | RawJson): void {
    this.removed.delete(name);
    this.overrides.set(name, toJsonText(value));
  }

  reset(): void {
    this.removed.clear();
    this.overrides.clear();
  }

  /** The value of the `protocolmptcp` key, as JSON text. */
  protocolMptcp(store: CounterStore): string {
    const members: Array<readonly [string, string]> = [];
    for (const metric of CATALOG) {
      if (this.removed.has(metric.nitroName)) continue;
      const override = this.overrides.get(metric.nitroName);
      if (override === undefined && !this.fields.has(metric.nitroName)) continue;
      if (override !== undefined) {
        members.push([metric.nitroName, override]);
      } else if (metric.kind === 'rate') {
        members.push([metric.nitroName, JSON.stringify(store.rate(metric.nitroName))]);
      } else {
        members.push([metric.nitroName, this.integerText(store.integer(metric.nitroName))]);
      }
    }
    if (this.firmwareVersion === '14.1' && !this.overrides.has('_nextgenapiresource') && !this.removed.has('_nextgenapiresource')) {
      members.push(['_nextgenapiresource', JSON.stringify(NEXTGEN_API_RESOURCE_VALUE)]);
    }
    for (const [name, text] of this.overrides) {
      if (!BY_NITRO_NAME.has(name)) members.push([name, text]);
    }
    return this.shaped(objectText(members));
  }

  /** The value of the `hanode` key, as JSON text. */
  hanode(state: HaState, node: { readonly transtime: number; readonly heartbeats: bigint }): string {
    return this.shaped(
      objectText([
        ['hacurstatus', JSON.stringify(state.hacurstatus)],
        ['hacurstate', JSON.stringify(state.hacurstate)],
        ['hacurmasterstate', JSON.stringify(state.hacurmasterstate)],
        ['transtime', JSON.stringify(transtimeText(node.transtime))],
        ['hatotpktrx', this.integerText(node.heartbeats)],
        ['hatotpkttx', this.integerText(node.heartbeats)],
        ['hapktrxrate', '0'],
        ['hapkttxrate', '0'],
      ]),
    );
  }

  private integerText(value: bigint): string {
    return this.integerEncoding === 'string' ? `"${value}"` : value.toString();
  }

  private shaped(objectJson: string): string {
    return this.shape === 'array' ? `[${objectJson}]` : objectJson;
  }
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** `transtime` as NetScaler writes it, e.g. "Mon Dec  7 03:30:14 2026" (UTC here). */
function transtimeText(epochMs: number): string {
  const at = new Date(epochMs);
  const time = at.toISOString().slice(11, 19);
  return `${WEEKDAYS[at.getUTCDay()]} ${MONTHS[at.getUTCMonth()]} ${String(at.getUTCDate()).padStart(2, ' ')} ${time} ${at.getUTCFullYear()}`;
}
