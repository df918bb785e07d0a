/**
 * The per-virtual-server metrics: current MPTCP sessions and subflows of each listed lb/cs virtual server
 * (`stat lbvserver` / `stat csvserver`), with dimensions Appliance and VirtualServer (`lb/NAME` or `cs/NAME`, as
 * listed), and one health metric per appliance that lists servers. Names are a public contract: never rename one.
 */

/** The second dimension of the per-server gauges; its value is the listed `lb/NAME` or `cs/NAME`. */
export const VIRTUAL_SERVER_DIMENSION = 'VirtualServer';

export interface VirtualServerMetric {
  /** Field name in the stat/lbvserver and stat/csvserver answers. */
  readonly nitroName: 'curmptcpsessions' | 'cursubflowconn';
  readonly metricName: string;
  readonly unit: 'Count';
  readonly description: string;
}

export const VIRTUAL_SERVER_GAUGES: readonly VirtualServerMetric[] = [
  {
    nitroName: 'curmptcpsessions',
    metricName: 'VirtualServerMptcpSessions',
    unit: 'Count',
    description: 'Current MPTCP sessions of the virtual server (gauge).',
  },
  {
    nitroName: 'cursubflowconn',
    metricName: 'VirtualServerMptcpSubflows',
    unit: 'Count',
    description: 'Current MPTCP subflow connections of the virtual server (gauge).',
  },
];

/**
 * Health, dimension Appliance only, published on every run of an appliance that lists virtual servers: how many
 * of them could not be read (unknown or removed server, not authorized, a bad answer). 0 when all were read.
 */
export const VIRTUAL_SERVER_ERRORS_METRIC = 'VirtualServerErrors';

/** Custom metrics one listed virtual server adds (the health metric is per appliance). */
export const METRICS_PER_VIRTUAL_SERVER = VIRTUAL_SERVER_GAUGES.length;
