import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { STATE_TABLE_PARTITION_KEY, STATE_TTL_ATTRIBUTE } from '../../lambda/config/environment.js';

/**
 * The previous sample per appliance: on demand, partition key `appliance` (String). The items are a cache of
 * the last sample: losing them costs one interval of counter deltas (the next run stores a first sample), so
 * the table is deleted with the stack and has no backups.
 */
export class StateTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: STATE_TABLE_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      removalPolicy: RemovalPolicy.DESTROY,
      // Every claim and commit refreshes it: the items of appliances no run collects any more go by themselves.
      timeToLiveAttribute: STATE_TTL_ATTRIBUTE,
    });
    Validations.of(this.table).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        'The table holds only the last counter sample per appliance, rewritten every interval; a restored copy would be older than the next sample. Losing it costs one interval of deltas, so point-in-time recovery would add cost without any recovery value.',
    });
  }
}
