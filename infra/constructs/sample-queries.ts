import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type SampleQuery, savedSampleQueries } from '../model/sample-queries.js';

export interface SampleQueriesProps {
  readonly logGroup: logs.ILogGroup;
  /** The folder of the saved queries in the Logs Insights console (the deployment's name). */
  readonly folder: string;
}

/** A sample query as aws-logs builds it (the same text for a saved query and a dashboard widget). */
export function queryStringOf(query: SampleQuery): logs.QueryString {
  return new logs.QueryString({
    fields: [...query.fields],
    filterStatements: [query.filter],
    ...(query.stats && { statsStatements: [query.stats] }),
    ...(query.sort && { sort: query.sort }),
    ...(query.limit !== undefined && { limit: query.limit }),
  });
}

/** The saved Logs Insights queries on the collector's sample records (docs/metrics.md, "Exact values for every counter"). */
export class SampleQueries extends Construct {
  readonly queries: readonly logs.QueryDefinition[];

  constructor(scope: Construct, id: string, props: SampleQueriesProps) {
    super(scope, id);
    this.queries = savedSampleQueries().map(
      ({ name, query }, index) =>
        new logs.QueryDefinition(this, `Query${index}`, {
          queryDefinitionName: `${props.folder}/${name}`,
          queryString: queryStringOf(query),
          logGroups: [props.logGroup],
        }),
    );
  }
}
