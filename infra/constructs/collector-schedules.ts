import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { ApplianceConfig } from '../../lambda/config/appliance.js';
import { MAX_EVENT_AGE_SECONDS, shard } from '../model/sizing.js';

export interface CollectorSchedulesProps {
  readonly function: lambda.Function;
  readonly appliances: readonly ApplianceConfig[];
  readonly interval: Duration;
  /** At most this many appliances per invocation. */
  readonly shardSize: number;
  /** Default true. False deploys the schedules disabled (nothing is collected). */
  readonly enabled?: boolean;
}

/** The event the handler receives (the handler contract). */
export interface CollectionEvent {
  readonly appliances: readonly ApplianceConfig[];
}

/**
 * One EventBridge Scheduler schedule per shard of appliances, each invoking the collector with its shard as
 * the event, at the same rate. Shards run in parallel invocations, so a fleet of hundreds is collected within
 * one interval. No retries and a one-minute maximum event age: a late or repeated sample is worse than none.
 */
export class CollectorSchedules extends Construct {
  readonly schedules: readonly scheduler.Schedule[];
  /** The event each schedule passes, in shard order. */
  readonly events: readonly CollectionEvent[];
  /** The role the Scheduler assumes to invoke the function (shared by all shards). */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: CollectorSchedulesProps) {
    super(scope, id);
    // Only EventBridge Scheduler of this account, for schedules of the default group (where these live).
    this.role = new iam.Role(this, 'InvokeRole', {
      description: 'EventBridge Scheduler: invoke the NetScaler MPTCP collector',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Aws.ACCOUNT_ID,
            'aws:SourceArn': Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
          },
        },
      }),
    });
    Validations.of(this.role).acknowledge({
      // cdk-nag names the finding after the function's logical id.
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(props.function.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the collector function and its qualified versions/aliases (ARN:*), as granted by the Scheduler Lambda target: one function, nothing else.',
    });
    const shards = shard(props.appliances, props.shardSize);
    this.events = shards.map((appliances) => ({ appliances }));
    this.schedules = this.events.map((event, index) => {
      const target = new targets.LambdaInvoke(props.function, {
        role: this.role,
        input: scheduler.ScheduleTargetInput.fromObject(event),
        retryAttempts: 0,
        maxEventAge: Duration.seconds(MAX_EVENT_AGE_SECONDS),
      });
      return new scheduler.Schedule(this, `Shard${index + 1}`, {
        schedule: scheduler.ScheduleExpression.rate(props.interval),
        target,
        enabled: props.enabled ?? true,
        description: describeShard(index, shards.length, event.appliances),
      });
    });
  }
}

/** "MPTCP collection, shard 2 of 3: adc-26, adc-27, ..." within the 512 characters Scheduler allows. */
function describeShard(index: number, count: number, appliances: readonly ApplianceConfig[]): string {
  const text = `MPTCP collection, shard ${index + 1} of ${count}: ${appliances.map((a) => a.name).join(', ')}`;
  return text.length <= 512 ? text : `${text.slice(0, 508)} ...`;
}
