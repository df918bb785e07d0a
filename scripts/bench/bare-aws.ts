/**
 * The least a poller that does the function's job must add to the bare poller: the state item's two conditional
 * UpdateItems per appliance and run (the claim, which returns the old item, and the commit), and the run's
 * PutMetricData. Raw requests over one kept-alive node:http agent, signed with Signature Version 4 by node:crypto
 * (the signing key kept per day and service); answers read whole, DynamoDB's parsed with JSON.parse. No SDK, no
 * retries, no validation: a floor, not a client.
 *
 * The requests carry what the function's do, at the same sizes: the counters of the appliance's own answer in the
 * store's encoding (core/counter-codec.ts), the lease, the takenAt, the TTL; as many datums as the function
 * published. Endpoint, region and credentials come from the environment that points the SDK at moto_server
 * (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
 */
import { createHash, createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { names, STATE_SCHEMA_VERSION } from '../../lambda/aws/state-store.js';
import { STATE_TABLE_PARTITION_KEY } from '../../lambda/config/environment.js';
import { encodeCounters } from '../../lambda/core/counter-codec.js';
import { expiresAt as ttlOf } from '../../lambda/core/state-rules.js';

const agent = new Agent({ keepAlive: true, maxSockets: 8 });
const signingKeys = new Map<string, { readonly day: string; readonly key: Buffer }>();

function environment(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`bare AWS requests: ${name} is not set`);
  return value;
}

/** The counters of a protocolmptcp answer (integers, as numbers or decimal strings), exact. */
export function countersOf(answer: unknown): Map<string, bigint> {
  const stat = (answer as { protocolmptcp?: unknown } | undefined)?.protocolmptcp;
  const record = (Array.isArray(stat) ? stat[0] : stat) as Record<string, unknown> | undefined;
  const counters = new Map<string, bigint>();
  for (const [name, value] of Object.entries(record ?? {})) {
    if ((typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) || (typeof value === 'string' && /^\d+$/.test(value)))
      counters.set(name, BigInt(value));
  }
  return counters;
}

/** The claim and the commit of one appliance's state item, as the store makes them. */
export async function claimAndCommit(tableName: string, appliance: string, counters: ReadonlyMap<string, bigint>): Promise<void> {
  const now = Date.now();
  const encoded = Buffer.from(encodeCounters(counters)).toString('base64');
  const key = { [STATE_TABLE_PARTITION_KEY]: { S: appliance } };
  const owner = { S: `bench-${now}` };
  const expiresAt = { N: String(ttlOf(now)) };
  await updateItem({
    TableName: tableName,
    Key: key,
    UpdateExpression:
      'SET #leaseOwner = :owner, #leaseUntil = :leaseUntil, #pendingTakenAt = :takenAt, #pendingCounters = :counters, #expiresAt = :expiresAt',
    ConditionExpression: 'attribute_not_exists(#leaseOwner) OR #leaseOwner = :owner OR #leaseUntil < :now',
    ExpressionAttributeNames: names('#leaseOwner', '#leaseUntil', '#pendingTakenAt', '#pendingCounters', '#expiresAt'),
    ExpressionAttributeValues: {
      ':owner': owner,
      ':leaseUntil': { N: String(now + 60_000) },
      ':now': { N: String(now) },
      ':takenAt': { N: String(now) },
      ':counters': { B: encoded },
      ':expiresAt': expiresAt,
    },
    ReturnValues: 'ALL_OLD',
  });
  await updateItem({
    TableName: tableName,
    Key: key,
    UpdateExpression:
      'SET #takenAt = :takenAt, #counters = :counters, #heldSince = :heldSince, #unpublished = :unpublished, #updatedAt = :updatedAt, ' +
      '#committedBy = :owner, #schemaVersion = :schemaVersion, #expiresAt = :expiresAt REMOVE #leaseOwner, #leaseUntil, #pendingTakenAt, #pendingCounters',
    ConditionExpression: '#leaseOwner = :owner',
    ExpressionAttributeNames: names(
      '#takenAt',
      '#counters',
      '#heldSince',
      '#unpublished',
      '#updatedAt',
      '#committedBy',
      '#schemaVersion',
      '#expiresAt',
      '#leaseOwner',
      '#leaseUntil',
      '#pendingTakenAt',
      '#pendingCounters',
    ),
    ExpressionAttributeValues: {
      ':takenAt': { N: String(now) },
      ':counters': { B: encoded },
      ':heldSince': { M: {} },
      ':unpublished': { L: [] },
      ':updatedAt': { S: new Date(now).toISOString() },
      ':owner': owner,
      ':schemaVersion': { N: String(STATE_SCHEMA_VERSION) },
      ':expiresAt': expiresAt,
    },
  });
}

function updateItem(input: Record<string, unknown>): Promise<unknown> {
  return post('dynamodb', 'application/x-amz-json-1.0', JSON.stringify(input), 'DynamoDB_20120810.UpdateItem').then((text) =>
    JSON.parse(text),
  );
}

/** One PutMetricData of `datums` datums (Query protocol, as many appliances as given, the datums spread over them). */
export async function putMetricData(namespace: string, appliances: readonly string[], datums: number): Promise<void> {
  const form = new URLSearchParams({ Action: 'PutMetricData', Version: '2010-08-01', Namespace: namespace });
  const timestamp = new Date().toISOString();
  for (let i = 1; i <= datums; i++) {
    const member = `MetricData.member.${i}`;
    form.set(`${member}.MetricName`, `Counter${i % 16}`);
    form.set(`${member}.Dimensions.member.1.Name`, 'Appliance');
    form.set(`${member}.Dimensions.member.1.Value`, appliances[i % appliances.length] ?? 'adc');
    form.set(`${member}.Value`, String(i));
    form.set(`${member}.Unit`, 'Count');
    form.set(`${member}.Timestamp`, timestamp);
  }
  await post('monitoring', 'application/x-www-form-urlencoded; charset=utf-8', form.toString());
}

let endpointUrl: URL | undefined;

function post(service: string, contentType: string, body: string, target?: string): Promise<string> {
  endpointUrl ??= new URL(environment('AWS_ENDPOINT_URL'));
  const endpoint = endpointUrl;
  const headers = signedHeaders(service, endpoint.host, contentType, body, target);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname: endpoint.hostname, port: endpoint.port, method: 'POST', path: '/', headers, agent, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200) resolve(text);
          else reject(new Error(`${service} answered ${res.statusCode}: ${text.slice(0, 200)}`));
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

function signedHeaders(service: string, host: string, contentType: string, body: string, target?: string): Record<string, string> {
  const region = environment('AWS_REGION');
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    'content-type': contentType,
    host,
    'x-amz-date': amzDate,
    ...(target === undefined ? {} : { 'x-amz-target': target }),
  };
  const names = Object.keys(headers).sort();
  const canonicalRequest = ['POST', '/', '', ...names.map((name) => `${name}:${headers[name]}`), '', names.join(';'), sha256(body)].join(
    '\n',
  );
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  let signingKey = signingKeys.get(service);
  if (signingKey?.day !== day) {
    const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest();
    signingKey = { day, key: hmac(hmac(hmac(hmac(`AWS4${environment('AWS_SECRET_ACCESS_KEY')}`, day), region), service), 'aws4_request') };
    signingKeys.set(service, signingKey);
  }
  const signature = createHmac('sha256', signingKey.key).update(stringToSign).digest('hex');
  return {
    ...headers,
    'content-length': String(Buffer.byteLength(body)),
    authorization: `AWS4-HMAC-SHA256 Credential=${environment('AWS_ACCESS_KEY_ID')}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
