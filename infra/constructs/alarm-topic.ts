import { Aws, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /** Use this topic instead of creating one (its policy must let CloudWatch publish). */
  readonly topic?: sns.ITopic;
  /** E-mail addresses subscribed to the created topic (each must confirm the subscription). */
  readonly emails?: readonly string[];
}

/**
 * Where alarms notify: the user's topic, or a new one with TLS enforced, CloudWatch alarms of this account
 * allowed to publish, and the configured e-mail subscriptions.
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.ITopic;
  /** True when the topic was created here. */
  readonly created: boolean;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (props.topic && props.emails && props.emails.length > 0) {
      throw new Error('AlarmTopic: emails can only be subscribed to a topic created here; subscribe them to your own topic instead');
    }
    if (props.topic) {
      this.topic = props.topic;
      this.created = false;
      return;
    }
    const topic = new sns.Topic(this, 'Topic', { displayName: 'NetScaler MPTCP alarms', enforceSSL: true });
    // Replacing the default topic policy (enforceSSL does) drops its account-wide publish grant: CloudWatch
    // alarms need their own, limited to alarms of this account.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
        },
      }),
    );
    for (const email of props.emails ?? []) topic.addSubscription(new subscriptions.EmailSubscription(email));
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names, states and descriptions, no secrets or customer data. Encrypting the topic needs a customer managed KMS key whose policy admits CloudWatch (the AWS managed SNS key does not); pass your own encrypted topic (alarms.topicArn) if policy requires it.',
    });
    this.topic = topic;
    this.created = true;
  }
}
