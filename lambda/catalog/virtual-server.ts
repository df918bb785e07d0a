/**
 * The one rule for a listed virtual server (`ApplianceConfig.virtualServers`): `lb/NAME` or `cs/NAME`, the NITRO
 * resource each type is read from, and what a NAME may contain. The settings schema, the NITRO client (which
 * builds the request path from it) and the simulator all use this module.
 */

/** The virtual server types the collector reads, the stat resource of each, and the command policy it needs. */
export const VIRTUAL_SERVER_TYPES = {
  lb: { resource: 'lbvserver', command: 'stat lb vserver' },
  cs: { resource: 'csvserver', command: 'stat cs vserver' },
} as const;

export type VirtualServerType = keyof typeof VIRTUAL_SERVER_TYPES;
export type VirtualServerResource = (typeof VIRTUAL_SERVER_TYPES)[VirtualServerType]['resource'];

/** NetScaler's limit for an entity name. */
export const MAX_VIRTUAL_SERVER_NAME_LENGTH = 127;

/**
 * Virtual servers one appliance may list. Each is one more GET per run in the appliance's NITRO session
 * (measured: README "Per-virtual-server gauges"), two more custom metrics, and one more line on its graph.
 */
export const MAX_VIRTUAL_SERVERS_PER_APPLIANCE = 25;

/**
 * NetScaler's rule for entity names: an ASCII letter, digit or underscore first, then letters, digits and
 * `_ # . space : @ = -`. Nothing else can reach the request path (no `/`, `?`, `%`, `&`), and the name is
 * percent-encoded there all the same. A trailing space is refused too: the CLI would not keep it.
 */
const NAME_PATTERN = /^[A-Za-z0-9_](?:[A-Za-z0-9_#. :@=-]*[A-Za-z0-9_#.:@=-])?$/;

export const VIRTUAL_SERVER_RULE =
  '"lb/NAME" or "cs/NAME": NAME as on the appliance, 1 to 127 of A-Z a-z 0-9 _ # . : @ = - and inner spaces, starting with a letter, digit or _';

export interface VirtualServerRef {
  readonly type: VirtualServerType;
  readonly name: string;
  /** `lb/NAME` or `cs/NAME`, as listed: the VirtualServer dimension's value. */
  readonly id: string;
}

/** Why `name` is not a virtual server name the collector can read, or undefined when it is one. */
export function virtualServerNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'has an empty NAME';
  if (name.length > MAX_VIRTUAL_SERVER_NAME_LENGTH)
    return `has a NAME of ${name.length} characters: at most ${MAX_VIRTUAL_SERVER_NAME_LENGTH}`;
  if (!NAME_PATTERN.test(name)) return `has a NAME with characters NetScaler does not allow in a name: must be ${VIRTUAL_SERVER_RULE}`;
  return undefined;
}

/** Parses `lb/NAME` / `cs/NAME`; a string is the problem (completing "virtualServers[i] ..."). */
export function parseVirtualServer(text: string): VirtualServerRef | { readonly problem: string } {
  const slash = text.indexOf('/');
  const type = slash < 0 ? '' : text.slice(0, slash);
  if (!Object.hasOwn(VIRTUAL_SERVER_TYPES, type)) return { problem: `must be ${VIRTUAL_SERVER_RULE} (got a value without "lb/" or "cs/")` };
  const name = text.slice(slash + 1);
  const problem = virtualServerNameProblem(name);
  return problem === undefined ? { type: type as VirtualServerType, name, id: text } : { problem };
}

/** The refs of a validated list (the settings schema has checked it: an invalid entry here is a bug). */
export function virtualServerRefs(list: readonly string[] | undefined): VirtualServerRef[] {
  return (list ?? []).map((entry) => {
    const parsed = parseVirtualServer(entry);
    if ('problem' in parsed) throw new TypeError(`virtualServers entry ${JSON.stringify(entry.slice(0, 140))} ${parsed.problem}`);
    return parsed;
  });
}

/** Problems of a whole list (count, duplicates, each entry), as [index or undefined, message] pairs. */
export function virtualServerListProblems(list: readonly string[]): Array<readonly [number | undefined, string]> {
  const problems: Array<readonly [number | undefined, string]> = [];
  if (list.length > MAX_VIRTUAL_SERVERS_PER_APPLIANCE) {
    problems.push([
      undefined,
      `lists ${list.length} virtual servers: at most ${MAX_VIRTUAL_SERVERS_PER_APPLIANCE} per appliance (one GET each per run)`,
    ]);
  }
  const seen = new Map<string, number>();
  list.forEach((entry, index) => {
    const parsed = parseVirtualServer(entry);
    if ('problem' in parsed) problems.push([index, parsed.problem]);
    const first = seen.get(entry);
    if (first !== undefined) problems.push([index, `"${entry}" is already listed at virtualServers[${first}]`]);
    else seen.set(entry, index);
  });
  return problems;
}

/** The NITRO path of one virtual server's statistics: fixed prefix, validated and percent-encoded name. */
export function virtualServerStatPath(server: Pick<VirtualServerRef, 'type' | 'name'>): string {
  const problem = virtualServerNameProblem(server.name);
  if (problem !== undefined || !Object.hasOwn(VIRTUAL_SERVER_TYPES, server.type)) {
    throw new TypeError(`not a virtual server this collector reads: ${server.type}/${server.name}`);
  }
  return `/nitro/v1/stat/${VIRTUAL_SERVER_TYPES[server.type].resource}/${encodeURIComponent(server.name)}`;
}
