import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { MAX_DISTINCT_SECRETS, shard } from '../model/sizing.js';

/**
 * A complete secret ARN ends in `-` and the 6 characters Secrets Manager appends to the name. An ARN without
 * them is partial, and a policy must then match any suffix.
 * (A secret whose own name ends in `-` + 6 characters is indistinguishable: give its complete ARN.)
 */
const COMPLETE_SECRET_ARN = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:.+-[A-Za-z0-9]{6}$/;
const SECRET_ARN = /^arn:[^:]+:secretsmanager:/;

const SECRETS_PER_STATEMENT = 25;

export type SecretIdForm = 'name' | 'partial-arn' | 'complete-arn';

export function secretIdForm(secretId: string): SecretIdForm {
  if (!SECRET_ARN.test(secretId)) return 'name';
  return COMPLETE_SECRET_ARN.test(secretId) ? 'complete-arn' : 'partial-arn';
}

export interface SecretAccessProps {
  /** Secret names, partial ARNs or complete ARNs, as the appliances' `secretId`. Duplicates are fine. */
  readonly secretIds: readonly string[];
  /** Customer managed KMS keys that encrypt any of the secrets: Decrypt through Secrets Manager only. */
  readonly encryptionKeyArns?: readonly string[];
}

/**
 * Read access to exactly the configured secrets: `secretsmanager:GetSecretValue` on their ARNs (names and
 * partial ARNs match Secrets Manager's random suffix `-??????`), and `kms:Decrypt` only when a customer key
 * is configured, only via Secrets Manager in this region. Nothing else: no DescribeSecret, no list.
 */
export class SecretAccess extends Construct {
  readonly secrets: readonly secretsmanager.ISecret[];
  /** The ARN patterns the function may read, in the order of first use. */
  readonly resourceArns: readonly string[];
  private readonly encryptionKeyArns: readonly string[];

  constructor(scope: Construct, id: string, props: SecretAccessProps) {
    super(scope, id);
    const uniqueIds = [...new Set(props.secretIds)];
    if (uniqueIds.length > MAX_DISTINCT_SECRETS) {
      throw new Error(
        `${uniqueIds.length} distinct secrets: one deployment can grant at most ${MAX_DISTINCT_SECRETS} (IAM policy size limits). Let appliances share a secret (the same read-only NITRO user), or split the fleet over several stacks.`,
      );
    }
    this.secrets = uniqueIds.map((secretId, index) => importSecret(this, `Secret${index}`, secretId));
    this.resourceArns = [...new Set(this.secrets.map(policyArn))];
    this.encryptionKeyArns = [...new Set(props.encryptionKeyArns ?? [])];
  }

  grantRead(grantee: iam.IGrantable): void {
    // Statements of at most SECRETS_PER_STATEMENT secrets, so that CDK can spread a long list over overflow
    // managed policies (each at most 6,144 characters) instead of one policy IAM would reject.
    const chunks = shard(this.resourceArns, SECRETS_PER_STATEMENT);
    chunks.forEach((resources, index) => {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: chunks.length === 1 ? 'ReadApplianceSecrets' : `ReadApplianceSecrets${index + 1}`,
          actions: ['secretsmanager:GetSecretValue'],
          resources,
        }),
      );
    });
    if (this.encryptionKeyArns.length > 0) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptApplianceSecrets',
          actions: ['kms:Decrypt'],
          resources: [...this.encryptionKeyArns],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
        }),
      );
    }
  }
}

function importSecret(scope: Construct, id: string, secretId: string): secretsmanager.ISecret {
  switch (secretIdForm(secretId)) {
    case 'complete-arn':
      return secretsmanager.Secret.fromSecretCompleteArn(scope, id, secretId);
    case 'partial-arn':
      return secretsmanager.Secret.fromSecretPartialArn(scope, id, secretId);
    case 'name':
      return secretsmanager.Secret.fromSecretNameV2(scope, id, secretId);
  }
}

/** The complete ARN when known, else the partial ARN followed by the wildcard for the 6-character suffix. */
function policyArn(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}
