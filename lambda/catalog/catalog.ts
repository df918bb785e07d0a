/**
 * The single source of truth for every field of NITRO `stat/protocolmptcp`.
 *
 * The vendor's reference page lists 150 fields (13.1 firmware): 4 current-count gauges, 73 cumulative counters and,
 * for each counter, an appliance-computed rate. Firmware 14.1 adds 7 MPTCP v1 fields (1 gauge, 3 counters, 3
 * rates), marked `since: '14.1'`: 157 in all. Each row below is one gauge or one counter; a counter row names its
 * rate field explicitly, because 32 of the 76 rate fields are not spelled `<counter>rate`
 * (e.g. `mptcptotmpcapsession` pairs with `mptcpmpcapsessionrate`). The pairing was taken from the
 * vendor's description of each rate field ("Rate (/s) counter for <counter>"), and a test holds it
 * against that description.
 *
 * Metric names are a public contract: dashboards, alarms and users' queries depend on them. Never rename one.
 */

export type MetricKind = 'gauge' | 'counter' | 'rate';

export type MetricGroup = 'sessions' | 'handshake' | 'subflows' | 'data transfer' | 'fallback' | 'errors' | 'resource exhaustion';

export const METRIC_GROUPS: readonly MetricGroup[] = [
  'sessions',
  'handshake',
  'subflows',
  'data transfer',
  'fallback',
  'errors',
  'resource exhaustion',
];

export type MetricUnit = 'Count' | 'Count/Second';

export interface MetricDefinition {
  /** Field name in the NITRO response. */
  readonly nitroName: string;
  /** CloudWatch metric name: readable and stable. */
  readonly metricName: string;
  readonly kind: MetricKind;
  readonly unit: MetricUnit;
  readonly group: MetricGroup;
  /** The vendor's description of the field. */
  readonly description: string;
  /** The smallest selection keyword that includes it (SELECTION_TIERS): `default` is also in `all` and `everything`. */
  readonly tier: SelectionTier;
  /** In the default selection (tier `default`). */
  readonly defaultSelected: boolean;
  /** For a counter: its rate field's NITRO name. For a rate: its counter's NITRO name. */
  readonly pairedWith?: string;
  /** The firmware that added the field, when it is newer than the reference page's (older firmware lacks it). */
  readonly since?: FirmwareVersion;
}

/** Firmware releases whose `stat/protocolmptcp` field sets differ: 13.1 is the reference page's, 14.1 adds MPTCP v1. */
export type FirmwareVersion = '13.1' | '14.1';
export const FIRMWARE_VERSIONS: readonly FirmwareVersion[] = ['13.1', '14.1'];

/**
 * Fields that are not statistics and are ignored without a word (no FieldError, not "unknown"): 14.1 sends
 * `_nextgenapiresource`, a string naming the API resource.
 */
export const NON_STATISTIC_FIELDS: ReadonlySet<string> = new Set(['_nextgenapiresource']);

/**
 * The selection keywords, each a superset of the one before. `default`: what an on-call engineer needs billed
 * (the two session gauges, SessionsCreated for the anomaly band, and the error, fallback and exhaustion counters,
 * which cost nothing while they are still); `all`: every gauge, every problem counter and the handshake and
 * subflow totals; `everything`: every gauge and counter. Every counter of every tier is in the sample record
 * whatever the selection: the tier decides only what is billed as a CloudWatch metric.
 */
export const SELECTION_TIERS = ['default', 'all', 'everything'] as const;
export type SelectionTier = (typeof SELECTION_TIERS)[number];

/** Whether a selection keyword includes a metric of this tier. */
export function tierIncludes(keyword: SelectionTier, tier: SelectionTier): boolean {
  return SELECTION_TIERS.indexOf(tier) <= SELECTION_TIERS.indexOf(keyword);
}

/**
 * A counter that stays still on a healthy appliance: errors, fallbacks, resource exhaustion (the counters the
 * rollups sum), and the handshake's refusals. Under the zero policy they cost nothing until something goes wrong;
 * a quiet appliance (docs/cost.md) moves only the others.
 */
export function isProblemCounter(metric: Pick<MetricDefinition, 'kind' | 'group' | 'metricName'>): boolean {
  return (
    metric.kind === 'counter' &&
    (metric.group === 'fallback' ||
      metric.group === 'errors' ||
      metric.group === 'resource exhaustion' ||
      metric.metricName.endsWith('Errors'))
  );
}

type Row = readonly [
  nitroName: string,
  metricName: string,
  group: MetricGroup,
  tier: SelectionTier,
  description: string,
  rateField?: string,
];

const GAUGES: readonly Row[] = [
  ['mptcpcurmpcapablesessions', 'CurrentSessions', 'sessions', 'default', 'The number of current mptcp sessions.'],
  [
    'mptcpcursesswithoutsfs',
    'CurrentSessionsWithoutSubflows',
    'sessions',
    'default',
    'Current Multipath TCP sessions without any subflows',
  ],
  ['mptcpcursfconnections', 'CurrentSubflows', 'subflows', 'all', 'The number of current mptcp subflow connections.'],
  ['mptcpcurpendingjoin', 'CurrentPendingJoins', 'subflows', 'all', 'The number of current mptcp subflow connections in pending state.'],
];

const COUNTERS: readonly Row[] = [
  // sessions
  ['mptcptotmpcapsession', 'SessionsCreated', 'sessions', 'default', 'MPTCP total sessions created', 'mptcpmpcapsessionrate'],
  ['mptcptottxdatafin', 'DataFinSent', 'sessions', 'everything', 'Total MPTCP connection close requests sent', 'mptcptxdatafinrate'],
  [
    'mptcptotrxdatafin',
    'DataFinReceived',
    'sessions',
    'everything',
    'Total MPTCP connection close(DATA_FIN) requests received.',
    'mptcprxdatafinrate',
  ],
  ['mptcperrfastclose', 'FastCloseSent', 'sessions', 'everything', 'MPTCP FAST CLOSE sent.', 'mptcperrfastcloserate'],
  // handshake
  ['mptcptotmpcapsyn', 'MpCapableSynReceived', 'handshake', 'all', 'MPTCP total MP_CAPABLE received', 'mptcpmpcapsynrate'],
  [
    'mptcptotmpcapsynacksent',
    'MpCapableSynAckSent',
    'handshake',
    'all',
    'Total number of MP_CAPABLE SYN/ACKs sent.',
    'mptcpmpcapsynacksentrate',
  ],
  [
    'mptcptotmpcapfackrecvd',
    'MpCapableFinalAckReceived',
    'handshake',
    'all',
    'Total number of MP_CAPABLE Final ACKs received.',
    'mptcpmpcapfackrecvdrate',
  ],
  ['mptcptotconnest', 'MpCapableSessionsEstablished', 'handshake', 'everything', 'Total MP_CAPABLE sessions created.', 'mptcpconnestrate'],
  [
    'mptcptotmpcapsteered',
    'MpCapableSessionsSteered',
    'handshake',
    'everything',
    'Total MP_CAPABLE sessions steered',
    'mptcpmpcapsteeredrate',
  ],
  ['mptcptotmpjoinsyn', 'MpJoinSynReceived', 'handshake', 'all', 'MPTCP total MP_JOIN syn received', 'mptcpmpjoinsynrate'],
  ['mptcptotmpjoinsynacksent', 'MpJoinSynAckSent', 'handshake', 'everything', 'Total MP_JOIN SYN/ACKs sent.', 'mptcpmpjoinsynacksentrate'],
  [
    'mptcptotmpjoinfackrecvd',
    'MpJoinFinalAckReceived',
    'handshake',
    'all',
    'Total number of MP_JOIN Final ACKs',
    'mptcpmpjoinfackrecvdrate',
  ],
  [
    'mptcptotmpjoin4thacksent',
    'MpJoinFourthAckSent',
    'handshake',
    'everything',
    'Total number of Subflow final ACK from peer in 3 way handshake validated with 4th ACK.',
    'mptcpmpjoin4thacksentrate',
  ],
  ['mptcptotmpjoinsteered', 'MpJoinSubflowsSteered', 'handshake', 'everything', 'Total MP_JOIN subflows steered', 'mptcpmpjoinsteeredrate'],
  [
    'mptcperrversionnotsupported',
    'UnsupportedVersionErrors',
    'handshake',
    'default',
    'MPTCP MP_CAPABLE request from unsupported mptcp client.',
    'mptcperrversionnotsupportedrate',
  ],
  [
    'mptcperrcryptonotsupported',
    'UnsupportedCryptoErrors',
    'handshake',
    'default',
    'MPTCP client crypto algorithm not supported.',
    'mptcperrcryptonotsupportedrate',
  ],
  // subflows
  ['mptcptotsfconn', 'SubflowsCreated', 'subflows', 'all', 'MPTCP total Subflow connections created', 'mptcpsfconnrate'],
  [
    'mptcptotestsfreplaced',
    'EstablishedSubflowsReplaced',
    'subflows',
    'everything',
    'MPTCP Total established subflows replaced due to new MP_JOIN.',
    'mptcpestsfreplacedrate',
  ],
  [
    'mptcptotpendsfreplaced',
    'PendingSubflowsReplaced',
    'subflows',
    'everything',
    'MPTCP Total pending subflows replaced due to new MP_JOIN.',
    'mptcppendsfreplacedrate',
  ],
  [
    'mptcptotaddrremoved',
    'AddressesRemoved',
    'subflows',
    'everything',
    'Total number of addresses removed from MPTCP connection with REMOVE_ADDR option',
    'mptcpaddrremovedrate',
  ],
  ['mptcppriobackuprx', 'SubflowsSetToBackup', 'subflows', 'everything', 'MPTCP Subflow used as backup path.', 'mptcppriobackuprxrate'],
  [
    'mptcpprioclearbackuprx',
    'SubflowsClearedFromBackup',
    'subflows',
    'everything',
    'Subflow earlier used only as a backup subflow, changes to regular subflow with MP_PRIO option',
    'mptcpprioclearbackuprxrate',
  ],
  ['mptcptottxsffin', 'SubflowFinSent', 'subflows', 'everything', 'MPTCP total subflow close requests.', 'mptcptxsffinrate'],
  // data transfer
  ['mptcptotdss', 'DssPackets', 'data transfer', 'everything', 'Total number of Data Sequence Signal packets.', 'mptcpdssrate'],
  [
    'mptcptotrxdss',
    'DssPacketsReceived',
    'data transfer',
    'everything',
    'MPTCP Total Data Sequence Signal packets received.',
    'mptcprxdssrate',
  ],
  ['mptcptottxdss', 'DssPacketsSent', 'data transfer', 'everything', 'MMPTCP Total Data Sequence Signal packets sent', 'mptcptxdssrate'],
  [
    'mptcptotdssa',
    'DssDataAckPackets',
    'data transfer',
    'everything',
    'Total Data Sequence Signal packets during data transfer with DATA_ACK',
    'mptcpdssarate',
  ],
  [
    'mptcptotdssfreshack',
    'DssFreshAckPackets',
    'data transfer',
    'everything',
    'MPTCP total Data Sequence Signal packets during data transfer with fresh ACK',
    'mptcpdssfreshackrate',
  ],
  [
    'mptcptotdssm',
    'DssMappingPackets',
    'data transfer',
    'everything',
    'MPTCP total data Sequence Signal packets with Data Sequence Mapping and checksum',
    'mptcpdssmrate',
  ],
  ['mptcptotfreshackfrwd', 'FreshAcksForwarded', 'data transfer', 'everything', 'Fresh ACK recieved on a subflow', 'mptcpfreshackfrwdrate'],
  [
    'mptcptotdatalessthandatalen',
    'MappedDataNotYetReceived',
    'data transfer',
    'everything',
    'MPTCP Map amount of data not yet received.',
    'mptcpdatalessthandatalenrate',
  ],
  [
    'mptcperrretxpktrcvd',
    'RetransmittedDataReceived',
    'data transfer',
    'everything',
    'Retransmitted Data Recevied on MPTCP session.',
    'mptcperrretxpktrcvdrate',
  ],
  // fallback to plain TCP
  [
    'mptcpplainackfallback',
    'FallbacksOnPlainAck',
    'fallback',
    'default',
    'MPTCP Fallback to regular tcp on receiving plain ACK for DSS.',
    'mptcpplainackfallbackrate',
  ],
  [
    'mptcpinfinitemaprecvd',
    'FallbacksOnInfiniteMapReceived',
    'fallback',
    'default',
    'MPTCP Received and set infinite map and fallen back to regular TCP.',
    'mptcpinfinitemaprecvdrate',
  ],
  [
    'mptcptotinfinitemapfrwd',
    'FallbacksOnInfiniteMapForwarded',
    'fallback',
    'all',
    'MPTCP received Data Sequence Signal with infinite map flag (Fallback to regular TCP).',
    'mptcpinfinitemapfrwdrate',
  ],
  ['mptcpmpfailsent', 'MpFailSent', 'fallback', 'default', 'MPTCP Total MP_FAIL sent due to checksum failure.', 'mptcpmpfailsentrate'],
  [
    'mptcpmpfailrecvd',
    'MpFailReceived',
    'fallback',
    'default',
    'MPTCP Total MP_FAIL received and fallback to regular TCP.',
    'mptcpmpfailrecvdrate',
  ],
  ['mptcpplainackrst', 'ResetsSentOnPlainAck', 'fallback', 'all', 'MPTCP Sent RST on receiving plain ACK for DSS.', 'mptcpplainackrstrate'],
  [
    'mptcperrjoinafterfallback',
    'JoinAfterFallbackErrors',
    'fallback',
    'all',
    'MPTCP New MP_JOIN request received after fallback to regular tcp.',
    'mptcperrjoinafterfallbackrate',
  ],
  // protocol errors
  [
    'mptcperrbadcksum',
    'ChecksumErrors',
    'errors',
    'default',
    'MPTCP checksum failed. Connection will fallback to regular tcp.',
    'mptcperrbadcksumrate',
  ],
  ['mptcperrinvalmac', 'InvalidMacErrors', 'errors', 'default', 'MPTCP invalid MAC on MP_JOIN final ACK.', 'mptcperrinvalmacrate'],
  [
    'mptcperrunknowntoken',
    'UnknownTokenErrors',
    'errors',
    'default',
    'MPTCP invalid token received on MP_JOIN request.',
    'mptcperrunknowntokenrate',
  ],
  [
    'mptcperrinvalcookie',
    'InvalidCookieErrors',
    'errors',
    'default',
    'MPTCP invalid cookie received on MP_CAPABLE final ACK.',
    'mptcperrinvalcookierate',
  ],
  [
    'mptcperrinvalopts',
    'InvalidOptionErrors',
    'errors',
    'default',
    'MPTCP invalid mptcp option is received and is dropped.',
    'mptcperrinvaloptsrate',
  ],
  [
    'mptcperrextnflagset',
    'ExtensionFlagSetErrors',
    'errors',
    'all',
    'Extension flag is set on MP_CAPABLE request.',
    'mptcperrextnflagsetrate',
  ],
  [
    'mptcperrresflagset',
    'ReservedFlagSetErrors',
    'errors',
    'all',
    'MPTCP One or more reserved bits are set on MP_CAPABLE request.',
    'mptcperrresflagsetrate',
  ],
  [
    'mptcperraddridexist',
    'JoinOnExistingAddressIdErrors',
    'errors',
    'all',
    'MPTCP MP_JOIN request on existing address id.',
    'mptcperraddridexistrate',
  ],
  ['mptcperraddrid0', 'JoinOnAddressIdZeroErrors', 'errors', 'all', 'MPTCP MP_JOIN request on address id 0.', 'mptcperraddrid0rate'],
  [
    'mptcperroptiondiscarded',
    'InvalidSubtypeOptionsDiscarded',
    'errors',
    'all',
    'Invalid subtype in MPTCP option field and hence discarded.',
    'mptcperroptiondiscardedrate',
  ],
  [
    'mptcperroptsnosession',
    'OptionsWithoutSessionErrors',
    'errors',
    'all',
    'MPTCP options sent on non existing connection/subflow PCBs.',
    'mptcperroptsnosessionrate',
  ],
  [
    'mptcperrinvalremaddr',
    'InvalidRemoveAddressErrors',
    'errors',
    'all',
    'MPTCP remove address request received on invalid/unknown address id.',
    'mptcperrinvalremaddrrate',
  ],
  [
    'mptcperroptssendrst',
    'ResetsSentOnInvalidOption',
    'errors',
    'all',
    'MPTCP sent RST on receiving improper option field.',
    'mptcperroptssendrstrate',
  ],
  [
    'mptcperrremaddrself',
    'RemoveSelfAddressErrors',
    'errors',
    'all',
    'MPTCP remove address request for self address.',
    'mptcperrremaddrselfrate',
  ],
  [
    'mptcperrrssffail',
    'RssFilterFailures',
    'errors',
    'all',
    'Add RSS filter to steer traffic to right node on established MPTCP session failed.',
    'mptcperrrssffailrate',
  ],
  [
    'mptcperrnopayloadlenpkt',
    'MissingPayloadLengthErrors',
    'errors',
    'all',
    'MPTCP Payload length not specified in packet.',
    'mptcperrnopayloadlenpktrate',
  ],
  [
    'mptcperrunsupportedmssnegotiated',
    'UnsupportedMssErrors',
    'errors',
    'all',
    'MPTCP Unsupported MSS negotiated error.',
    'mptcperrunsupportedmssnegotiatedrate',
  ],
  [
    'mptcperrdatafinpassive',
    'DataFinOnPassiveSubflowErrors',
    'errors',
    'all',
    'MPTCP Data FIN received on passive subflow',
    'mptcperrdatafinpassiverate',
  ],
  [
    'mptcperrfastclosepassive',
    'FastCloseOnPassiveSubflowErrors',
    'errors',
    'all',
    'MPTCP Fast close received on passive subflow.',
    'mptcperrfastclosepassiverate',
  ],
  [
    'mptcperrfastclosekey',
    'FastCloseInvalidKeyErrors',
    'errors',
    'all',
    'MPTCP FAST_CLOSE received with invalid key and the packet is dropped.',
    'mptcperrfastclosekeyrate',
  ],
  [
    'mptcperrnomappktrcvd',
    'PacketsWithoutMappingErrors',
    'errors',
    'all',
    'MPTCP Packet received with no Data Sequence Mapping.',
    'mptcperrnomappktrcvdrate',
  ],
  [
    'mptcptotmoredatarcvd',
    'MoreDataThanMappingErrors',
    'errors',
    'all',
    'MPTCP More data received than the available Data Sequence Mapping.',
    'mptcpmoredatarcvdrate',
  ],
  [
    'mptcperrbadmapconndrop',
    'SessionsDroppedOnBadMapping',
    'errors',
    'all',
    'MPTCP Drop the session incase of invalid Data Sequence map.',
    'mptcperrbadmapconndroprate',
  ],
  [
    'mptcperrdupmaprecvd',
    'DuplicateMappingErrors',
    'errors',
    'all',
    'MPTCP Duplicate maps in Data Sequence map table.',
    'mptcperrdupmaprecvdrate',
  ],
  [
    'mptcperrinvalidsfn',
    'SubflowMappingMismatchErrors',
    'errors',
    'all',
    'MPTCP subflow map doesn’t exactly match MPTCP session mapping.',
    'mptcperrinvalidsfnrate',
  ],
  ['mptcperrmapexists', 'MappingExistsErrors', 'errors', 'all', 'MPTCP sequence map already exists.', 'mptcperrmapexistsrate'],
  [
    'mptcperrnosffreensb',
    'PacketsWithoutSubflowErrors',
    'errors',
    'all',
    'MPTCP output a packet without any subflow PCB.',
    'mptcperrnosffreensbrate',
  ],
  // resource exhaustion: configured limits reached and memory allocation failures
  [
    'mptcperrjointhreshold',
    'JoinsRejectedPendingThreshold',
    'resource exhaustion',
    'default',
    'MPTCP Global pending MP_JOIN threshold limit is reached, new MP_JOIN request will be dropped sending RST',
    'mptcperrjointhresholdrate',
  ],
  [
    'mptcperrmaxsf',
    'JoinsRejectedMaxSubflows',
    'resource exhaustion',
    'default',
    'MPTCP new MP_JOIN request after maximum configured subflows are established.',
    'mptcperrmaxsfrate',
  ],
  [
    'mptcperrmpcapsessionallocfail',
    'SessionAllocationFailures',
    'resource exhaustion',
    'default',
    'Creating a MPTCP connection failed due to failure in allocating memory to MPTCP connection management structure.',
    'mptcperrmpcapsessionallocfailrate',
  ],
  [
    'mptcperrsfsessionallocfail',
    'SubflowAttachAllocationFailures',
    'resource exhaustion',
    'default',
    'Attaching the subflow to MPTCP session failed due to failure in allocating memory to subflow map table.',
    'mptcperrsfsessionallocfailrate',
  ],
  [
    'mptcptotmpcapsfpcballoc',
    'SubflowPcbAllocationFailures',
    'resource exhaustion',
    'default',
    'Allocating memory to TCP protocol control block(PCB) for subflow failed.',
    'mptcpmpcapsfpcballocrate',
  ],
  [
    'mptcptotmpcballocfailed',
    'MptcpPcbAllocationFailures',
    'resource exhaustion',
    'default',
    'Allocating memory to MPTCP protocol control block failed.',
    'mptcpmpcballocfailedrate',
  ],
  [
    'mptcperrnsballocfailed',
    'PacketBufferAllocationFailures',
    'resource exhaustion',
    'default',
    'Failed to allocate memory to output MPTCP packet.',
    'mptcperrnsballocfailedrate',
  ],
];

// MPTCP v1 (RFC 8684), from firmware 14.1. Descriptions follow the vendor's 14.1 NITRO reference; note the
// irregular rate names of the first two counters.
const V1_GAUGES: readonly Row[] = [
  ['mptcpcurv1mpcapablesessions', 'CurrentV1Sessions', 'sessions', 'all', 'The number of current MPTCP v1 sessions.'],
];

const V1_COUNTERS: readonly Row[] = [
  ['mptcptotv1mpcapsession', 'V1SessionsCreated', 'sessions', 'all', 'MPTCP v1 total sessions created', 'mptcpv1mpcapsessionrate'],
  ['mptcptotv1mpcapsyn', 'V1MpCapableSynReceived', 'handshake', 'everything', 'MPTCP v1 total MP_CAPABLE received', 'mptcpv1mpcapsynrate'],
  [
    'mptcperrv1datarecvdpriortokey',
    'V1DataReceivedBeforeKeyErrors',
    'errors',
    'all',
    "MPTCP v1 data received before the peer's key (MP_CAPABLE with data before the key was known).",
    'mptcperrv1datarecvdpriortokeyrate',
  ],
];

/** The allocation-failure counters (the "resource exhaustion" alarm watches exactly these). */
export const ALLOCATION_FAILURE_METRICS: readonly string[] = [
  'SessionAllocationFailures',
  'SubflowAttachAllocationFailures',
  'SubflowPcbAllocationFailures',
  'MptcpPcbAllocationFailures',
  'PacketBufferAllocationFailures',
];

/** The MP_JOIN rejections caused by configured limits. */
export const JOIN_REJECTION_METRICS: readonly string[] = ['JoinsRejectedPendingThreshold', 'JoinsRejectedMaxSubflows'];

function buildCatalog(): readonly MetricDefinition[] {
  const metrics: MetricDefinition[] = [];
  const addGauges = (rows: readonly Row[], since?: FirmwareVersion) => {
    for (const [nitroName, metricName, group, tier, description] of rows) {
      metrics.push({
        nitroName,
        metricName,
        kind: 'gauge',
        unit: 'Count',
        group,
        description,
        tier,
        defaultSelected: tier === 'default',
        ...(since && { since }),
      });
    }
  };
  const addCounters = (rows: readonly Row[], since?: FirmwareVersion) => {
    for (const [nitroName, metricName, group, tier, description, rateField] of rows) {
      if (!rateField) throw new Error(`catalog: counter ${nitroName} has no rate field`);
      metrics.push({
        nitroName,
        metricName,
        kind: 'counter',
        unit: 'Count',
        group,
        description,
        tier,
        defaultSelected: tier === 'default',
        pairedWith: rateField,
        ...(since && { since }),
      });
      metrics.push({
        nitroName: rateField,
        metricName: `${metricName}Rate`,
        kind: 'rate',
        unit: 'Count/Second',
        group,
        description: `Rate (/s) counter for ${nitroName}`,
        tier: 'everything',
        defaultSelected: false,
        pairedWith: nitroName,
        ...(since && { since }),
      });
    }
  };
  addGauges(GAUGES);
  addGauges(V1_GAUGES, '14.1');
  addCounters(COUNTERS);
  addCounters(V1_COUNTERS, '14.1');
  return Object.freeze(metrics.map((m) => Object.freeze(m)));
}

/** Every field of stat/protocolmptcp: 5 gauges, 76 counters, 76 rates (7 of them from firmware 14.1). */
export const CATALOG: readonly MetricDefinition[] = buildCatalog();

export const BY_NITRO_NAME: ReadonlyMap<string, MetricDefinition> = new Map(CATALOG.map((m) => [m.nitroName, m]));
export const BY_METRIC_NAME: ReadonlyMap<string, MetricDefinition> = new Map(CATALOG.map((m) => [m.metricName, m]));

/** The fields that are exact integers on the appliance (gauges and counters). */
export const INTEGER_FIELDS: readonly MetricDefinition[] = CATALOG.filter((m) => m.kind !== 'rate');

/** The fields each firmware release added (none for the reference page's own). */
const ADDED_IN: ReadonlyMap<FirmwareVersion, readonly MetricDefinition[]> = new Map(
  FIRMWARE_VERSIONS.map((v) => [v, CATALOG.filter((m) => m.since === v)]),
);

/** The fields an appliance of `firmware` sends: the reference page's, plus those added up to that release. */
export function fieldsOfFirmware(firmware: FirmwareVersion): readonly MetricDefinition[] {
  return CATALOG.filter((m) => m.since === undefined || FIRMWARE_VERSIONS.indexOf(m.since) <= FIRMWARE_VERSIONS.indexOf(firmware));
}

/**
 * `missing` without the fields of a firmware release the appliance does not run (all of that release's fields
 * absent): older firmware is no degraded state. A release's fields missing only in part are kept (they are one).
 */
export function missingBeyondFirmware(missing: readonly string[]): { readonly unexpected: string[]; readonly olderThan?: FirmwareVersion } {
  if (missing.length === 0) return { unexpected: [] };
  const absent = new Set(missing);
  let olderThan: FirmwareVersion | undefined;
  for (const version of FIRMWARE_VERSIONS) {
    const added = ADDED_IN.get(version) ?? [];
    if (added.length > 0 && added.every((m) => absent.has(m.nitroName))) {
      olderThan ??= version;
      for (const m of added) absent.delete(m.nitroName);
    }
  }
  return { unexpected: missing.filter((name) => absent.has(name)), ...(olderThan && { olderThan }) };
}
