/**
 * The last line of a `collect` run that failed: what went wrong in one sentence, and the fix in the words of the
 * command line (--ca-file, --server-name, --allow-http, $ADC_PASSWORD, --region), not of the config file the
 * pipeline's messages speak of (caCertificate, tlsServerName, allowPlainHttp, "the secret").
 */
import type { ErrorClass } from '../lambda/errors.js';
import type { ApplianceSummary } from '../lambda/pipeline/run-collection.js';

/** The config-file field each collect option sets, for errors the shared validation reports in field names. */
export const OPTION_OF_FIELD: Readonly<Record<string, string>> = {
  url: '--url',
  name: '--name',
  caCertificate: '--ca-file',
  tlsServerName: '--server-name',
  insecureSkipVerify: '--insecure-skip-verify',
  allowPlainHttp: '--allow-http',
  haMode: '--ha-mode',
};

/** Config-file advice in validation messages, and what to do on the command line instead. */
const CONFIG_FILE_ADVICE: readonly [RegExp, string][] = [
  [/put the credentials into the secret named by secretId/g, 'pass the user with --username and the password through --password-env'],
  [/set "allowPlainHttp": true/g, 'add --allow-http'],
];

/** A validation message with config-file field names replaced by the options that set them. */
export function inOptionWords(message: string): string {
  let text = message
    .replace(/^invalid (configuration|command line):\s*/, '')
    .replace(/(?:"command line"|command line|appliances)\[0\](?:\s*\([^)]*\))?\.?/g, '')
    .replace(/\.+$/, '');
  for (const [advice, instead] of CONFIG_FILE_ADVICE) text = text.replace(advice, instead);
  for (const [field, option] of Object.entries(OPTION_OF_FIELD)) {
    // A field's name starts each problem ("url must be ..."); camelCase names are the field wherever they are.
    const where = /[A-Z]/.test(field) ? `(^|[^A-Za-z-])"?${field}"?(?![A-Za-z])` : `(^|; )"?${field}"?(?![A-Za-z])`;
    text = text.replace(new RegExp(where, 'g'), `$1${option}`);
  }
  return text;
}

export interface FailureContext {
  /** The variable --password-env names. */
  readonly passwordVariable: string;
}

/** Config-file remedies the pipeline appends to its messages; the CLI states its own instead. */
const CONFIG_FILE_REMEDIES = [
  /[;:] check the secret$/,
  /\. Put the PEM of the CA .*$/,
  /\. Set "tlsServerName" .*$/,
  /; set allowPlainHttp .*$/,
  /; not retried, to avoid locking the account$/,
  // Its own hints, which the CLI's remedy replaces.
  / \((is the management service on that address and port|network path, security group or firewall)\?\)$/,
];

function withoutConfigRemedy(message: string): string {
  let text = message;
  for (const pattern of CONFIG_FILE_REMEDIES) text = text.replace(pattern, '');
  return text;
}

/** The fix for a failed appliance, in the CLI's words. */
function remedy(errorClass: ErrorClass | undefined, message: string, context: FailureContext): string {
  switch (errorClass) {
    case 'bad-credentials':
      return `not retried, to avoid locking the account: check --username and the password in $${context.passwordVariable}`;
    case 'transport-error':
      if (/TLS verification failed \((UNABLE_TO|SELF_SIGNED|DEPTH_ZERO|CERT_SIGNATURE|CERT_UNTRUSTED)/.test(message)) {
        return "pass the PEM of the CA that signed the appliance's management certificate with --ca-file FILE";
      }
      if (/ERR_TLS_CERT_ALTNAME_INVALID|Hostname\/IP does not match|altnames/i.test(message)) {
        return 'pass a name the certificate carries with --server-name NAME (the TLS name to verify when --url uses an IP address)';
      }
      if (/CERT_HAS_EXPIRED|CERT_NOT_YET_VALID/.test(message))
        return "renew the appliance's management certificate (or check this machine's clock)";
      if (/connection refused/.test(message))
        return "check the host and port in --url: the appliance's management address (NSIP) and its HTTPS port";
      if (/DNS lookup failed/.test(message)) return 'check the host name in --url';
      return "check --url and that this machine can reach the appliance's management address (network path, firewall)";
    case 'configuration':
      if (/plain http/.test(message)) return 'use an https:// --url, or add --allow-http to send the password unencrypted on purpose';
      return 'check the options (--help)';
    case 'not-authorized':
      return "allow it in the command policy bound to --username's user (docs/configuration.md, Deployment, step 1)";
    case 'session-limit':
      return 'log out idle administrator sessions on the appliance (or wait for them to time out) and run again';
    case 'session-expired':
      return 'run again; if it repeats, something on the appliance ends NITRO sessions early';
    case 'timeout':
      return "check the appliance's load and the network path, then run again";
    case 'protocol-error':
      return "check that --url is the appliance's management address (NSIP), not a proxy, load balancer or login page";
    case 'no-statistics':
      return 'point --url at the default partition of an appliance with MPTCP';
    case 'appliance-error':
      return "see the appliance's message above; run again, and check the appliance if it repeats";
    default:
      return 'run again with --verbose to see every step';
  }
}

function whatFailed(appliance: ApplianceSummary): string {
  const message = appliance.message ?? 'failed without a message';
  if (appliance.errorClass === 'bad-credentials') {
    // The pipeline's message speaks of secret versions and a backoff kept in the state table, which a command-line
    // run (its own in-memory state) has neither of: the answer itself is what matters here.
    const answer = /\((HTTP \d+, NITRO errorcode \d+[^)]*)\)/.exec(message)?.[1];
    return `${appliance.name}: the appliance rejected the username or password${answer !== undefined ? ` (${answer})` : ''}`;
  }
  return withoutConfigRemedy(message);
}

/** One sentence: which appliance, what failed (error class, NITRO code), and the fix. */
export function applianceFailureLine(appliance: ApplianceSummary, context: FailureContext): string {
  const message = whatFailed(appliance);
  const what = message.startsWith(appliance.name) ? message : `${appliance.name}: ${message}`;
  const classNote = `${appliance.errorClass ?? 'failed'}${appliance.nitroErrorCode !== undefined ? `, NITRO ${appliance.nitroErrorCode}` : ''}`;
  return `error: ${what} (${classNote}); ${remedy(appliance.errorClass, appliance.message ?? '', context)}.`;
}

/** For `--publish`: CloudWatch did not take the metrics. */
export function publishFailureLine(publishError: string): string {
  if (/ECONNREFUSED|connection refused|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|getaddrinfo|socket hang up/i.test(publishError)) {
    return (
      `error: CloudWatch could not be reached: ${publishError}; check the endpoint (--region, and AWS_ENDPOINT_URL if set: is the URL and port right?) ` +
      'and that this machine can reach it (network path, proxy, firewall).'
    );
  }
  return (
    `error: CloudWatch did not take the metrics: ${publishError}; check the AWS credentials (--profile NAME, or AWS_PROFILE / AWS_ACCESS_KEY_ID), ` +
    'the region (--region) and that they allow cloudwatch:PutMetricData.'
  );
}
