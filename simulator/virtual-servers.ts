/**
 * Load-balancing and content-switching virtual servers and their `stat lbvserver` / `stat csvserver` answers:
 * one server (`GET /nitro/v1/stat/lbvserver/NAME`, always an array of one) or the whole collection
 * (`GET /nitro/v1/stat/lbvserver`), with the field set of a real appliance (about 50 fields), so that answer sizes
 * are realistic.
 */
import { VIRTUAL_SERVER_TYPES, type VirtualServerResource, type VirtualServerType } from '../lambda/catalog/virtual-server.js';
import { type IntegerEncoding, objectText } from './json-text.js';

export interface VirtualServerValues {
  /** Current MPTCP sessions. */
  readonly curmptcpsessions?: bigint | number | string;
  /** Current MPTCP subflows. */
  readonly cursubflowconn?: bigint | number | string;
}

/** The integer statistics a real lbvserver/csvserver answer carries besides the two MPTCP gauges. */
const OTHER_INTEGER_FIELDS = [
  'establishedconn',
  'primaryport',
  'vslbhealth',
  'actsvcs',
  'inactsvcs',
  'tothits',
  'totalrequests',
  'totalresponses',
  'totalrequestbytes',
  'totalresponsebytes',
  'totalpktsrecvd',
  'totalpktssent',
  'curclntconnections',
  'cursrvrconnections',
  'curpersistencesessions',
  'surgecount',
  'svcsurgecount',
  'sothreshold',
  'totspillovers',
  'labelledconn',
  'pushlabel',
  'deferredreq',
  'invalidrequestresponse',
  'invalidrequestresponsedropped',
  'totvserverdownbackuphits',
  'totalh2requests',
  'totalh2responses',
  'httpmaxhdrszpkts',
  'httpmaxhdrfldlenpkts',
  'reqretrycount',
  'reqretrycountexceeded',
  'vsvrsurgecount',
  'totalsvrbusyerr',
  'toleratingttlbsessions',
  'frustratingttlbsessions',
  'cpuusagepm',
  'totalconnreassemblyqueue75',
  'totalconnreassemblyqueueflush',
] as const;

const RATE_FIELDS = [
  'hitsrate',
  'requestsrate',
  'responsesrate',
  'requestbytesrate',
  'responsebytesrate',
  'pktsrecvdrate',
  'pktssentrate',
  'deferredreqrate',
];

interface Server {
  readonly name: string;
  readonly ordinal: number;
  curmptcpsessions: bigint;
  cursubflowconn: bigint;
}

export class VirtualServerStore {
  private readonly servers: Record<VirtualServerResource, Map<string, Server>> = { lbvserver: new Map(), csvserver: new Map() };
  private created = 0;

  /** Creates the server (with made-up other statistics) or changes its two MPTCP gauges. */
  set(type: VirtualServerType, name: string, values: VirtualServerValues = {}): void {
    const servers = this.servers[VIRTUAL_SERVER_TYPES[type].resource];
    let server = servers.get(name);
    if (!server) {
      server = { name, ordinal: ++this.created, curmptcpsessions: 0n, cursubflowconn: 0n };
      servers.set(name, server);
    }
    if (values.curmptcpsessions !== undefined) server.curmptcpsessions = BigInt(values.curmptcpsessions);
    if (values.cursubflowconn !== undefined) server.cursubflowconn = BigInt(values.cursubflowconn);
  }

  remove(type: VirtualServerType, name: string): void {
    this.servers[VIRTUAL_SERVER_TYPES[type].resource].delete(name);
  }

  has(resource: VirtualServerResource, name: string): boolean {
    return this.servers[resource].has(name);
  }

  /** The value of the resource key: an array with the one server, or every server of the type. */
  arrayText(resource: VirtualServerResource, encoding: IntegerEncoding, name?: string): string {
    const servers =
      name === undefined ? [...this.servers[resource].values()] : [this.servers[resource].get(name)].filter((s) => s !== undefined);
    return `[${servers.map((server) => serverText(server, resource, encoding)).join(',')}]`;
  }
}

function serverText(server: Server, resource: VirtualServerResource, encoding: IntegerEncoding): string {
  const integer = (value: bigint) => (encoding === 'string' ? `"${value}"` : value.toString());
  const members: Array<readonly [string, string]> = [
    ['name', JSON.stringify(server.name)],
    ['primaryipaddress', JSON.stringify(`10.0.${Math.floor(server.ordinal / 250) % 250}.${server.ordinal % 250}`)],
    ['type', JSON.stringify(resource === 'lbvserver' ? 'SSL' : 'HTTP')],
    ['state', '"UP"'],
    ['curmptcpsessions', integer(server.curmptcpsessions)],
    ['cursubflowconn', integer(server.cursubflowconn)],
  ];
  OTHER_INTEGER_FIELDS.forEach((field, index) => members.push([field, integer(BigInt(server.ordinal * 7919 + index * 104_729))]));
  for (const field of RATE_FIELDS) members.push([field, '0']);
  return objectText(members);
}
