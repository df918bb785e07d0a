import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { planApplianceGraphs } from '../../infra/model/dashboard-plan.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import { HEALTH_METRICS } from '../../lambda/metrics/health.js';
import { configWith, manyAppliances, onlyResource, resourcesOf, synthConfig } from '../support/synth-config.js';

interface Widget {
  type: string;
  width: number;
  height: number;
  properties: {
    title?: string;
    markdown?: string;
    alarms?: string[];
    metrics?: unknown[][];
    annotations?: { horizontal?: { value: number; label: string }[] };
  };
}

interface Body {
  start: string;
  widgets: Widget[];
  variables: { type: string; property: string; inputType: string; defaultValue: string; values: { value: string }[] }[];
}

/** The dashboard body with each CloudFormation reference replaced by `<logical id>` (or `<Fn>`). */
function dashboardBody(template: Template): Body {
  const body = onlyResource(template, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref ?? (part as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[0];
      return `<${ref ?? 'Fn'}>`;
    })
    .join('');
  return JSON.parse(text) as Body;
}

/** Every metric name a graph widget uses (plain metrics and SEARCH expressions). */
function metricNamesOf(widget: Widget): string[] {
  return (widget.properties.metrics ?? []).flatMap((row) => {
    const first = row[0];
    if (typeof first === 'object' && first !== null && 'expression' in first) {
      const match = /MetricName=\\?"([A-Za-z]+)\\?"/.exec(String((first as { expression: string }).expression));
      return match ? [match[1]!] : [];
    }
    return typeof row[1] === 'string' ? [row[1]] : [];
  });
}

describe('the dashboard', () => {
  const { template } = synthConfig(configWith());
  const body = dashboardBody(template);
  const titles = body.widgets.map((w) => w.properties.title).filter(Boolean);

  it('has a selector for the appliance, defaulting to the first', () => {
    expect(body.variables).toEqual([
      expect.objectContaining({
        type: 'property',
        property: 'Appliance',
        inputType: 'select',
        defaultValue: 'adc-1',
        values: [{ value: 'adc-1' }, { value: 'adc-2' }],
      }),
    ]);
  });

  it('shows every alarm of the deployment by state', () => {
    const statusWidgets = body.widgets.filter((w) => w.type === 'alarm');
    const shown = statusWidgets.flatMap((w) => w.properties.alarms ?? []);
    const alarmIds = [
      ...Object.keys(resourcesOf(template, 'AWS::CloudWatch::Alarm')),
      ...Object.keys(resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm')),
    ];
    expect(shown.sort()).toEqual(alarmIds.map((id) => `<${id}>`).sort());
    // The pages first: the composites and the fleet alarms (which notify themselves), then the silent members.
    const fleetIds = Object.keys(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter((id) => id.includes('FleetAlarms'));
    expect(fleetIds.map((id) => resourcesOf(template, 'AWS::CloudWatch::Alarm')[id]!.Properties!.AlarmName)).toEqual(
      ['ProtocolErrors', 'ResourceExhaustion', 'JoinsRejected', 'FallbacksToTcp', 'StateUnavailable'].map((suffix) => `Test-${suffix}`),
    );
    expect(statusWidgets[0]!.properties.alarms!.sort()).toEqual(
      [...Object.keys(resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm')), ...fleetIds].map((id) => `<${id}>`).sort(),
    );
  });

  it('has the fleet, handshake, data, fallback, error, exhaustion, health and function sections', () => {
    expect(titles).toEqual([
      'Pages (these notify: CollectorFailing, the fleet alarms for each appliance in ALARM, one Incident per appliance)',
      'Alarms (members of the pages above: they do not notify themselves)',
      'Fleet: collection success (1 ok, 0 failed)',
      'Fleet: collection duration (ms, from the sample records)',
      'Fleet: CurrentSessions',
      'Current sessions and subflows',
      'Sessions and subflows opened and closed',
      'Fallbacks to plain TCP',
      'Protocol errors',
      'Resource exhaustion: allocation failures and rejected joins',
      'Collector health',
      'MpJoinSynReceived per appliance (exact, from the logs)',
      'MpJoinSynReceived in the time range (exact)',
      'Invocations, errors, throttles',
      'Duration (ms)',
      'Scheduled events dropped (too old) and their age',
    ]);
  });

  it('graphs handshakes in protocol order: SYN, SYN/ACK, final ACK', () => {
    const all = dashboardBody(synthConfig(configWith({ counters: 'all' })).template);
    const handshake = all.widgets.find((w) => w.properties.title?.startsWith('MP_CAPABLE'))!;
    expect(metricNamesOf(handshake)).toEqual(['MpCapableSynReceived', 'MpCapableSynAckSent', 'MpCapableFinalAckReceived']);
  });

  it('graphs each selected metric of one appliance once, and only selected or health metrics', () => {
    const selected = resolveSelection('default').map((m) => m.metricName);
    const perAppliance = body.widgets.filter((w) => !w.properties.title?.startsWith('Fleet') && w.type === 'metric');
    const names = perAppliance.flatMap(metricNamesOf).filter((n) => !Object.values(HEALTH_METRICS).includes(n as never));
    const lambdaMetrics = ['Invocations', 'Errors', 'Throttles', 'Duration', 'Duration', 'AsyncEventsDropped', 'AsyncEventAge'];
    expect(names.filter((n) => !lambdaMetrics.includes(n)).sort()).toEqual([...selected].sort());
    const health = body.widgets.find((w) => w.properties.title === 'Collector health')!;
    // CollectionDuration is in the sample records only (the fleet duration widget queries them).
    expect(metricNamesOf(health).sort()).toEqual(
      Object.values(HEALTH_METRICS)
        .filter((n) => n !== HEALTH_METRICS.duration)
        .sort(),
    );
  });

  it('draws the zero-policy metrics filled with 0 (FILL), so a quiet interval is a flat line, not a gap', () => {
    const health = body.widgets.find((w) => w.properties.title === 'Collector health')!;
    const expressions = (health.properties.metrics ?? []).map((row) => row[0]).filter((cell) => typeof cell === 'object') as {
      expression: string;
    }[];
    expect(expressions.map((e) => e.expression)).toEqual([
      'FILL(mCounterResets, 0)',
      'FILL(mNodeChanges, 0)',
      'FILL(mFieldErrors, 0)',
      'FILL(mSecondarySkipped, 0)',
      'FILL(mCredentialsRejected, 0)',
    ]);
    const created = body.widgets.find((w) => w.properties.title === 'Sessions and subflows opened and closed')!;
    expect(JSON.stringify(created.properties.metrics)).toContain('FILL(mSessionsCreated, 0)');
    const sessions = body.widgets.find((w) => w.properties.title === 'Current sessions and subflows')!;
    expect(JSON.stringify(sessions.properties.metrics)).not.toContain('FILL');
  });

  it('marks the alarm thresholds and the timeout', () => {
    const sessions = body.widgets.find((w) => w.properties.title === 'Current sessions and subflows')!;
    expect(sessions.properties.annotations?.horizontal).toEqual([expect.objectContaining({ value: 500 })]);
    const duration = body.widgets.find((w) => w.properties.title === 'Duration (ms)')!;
    expect(duration.properties.annotations?.horizontal?.map((a) => a.value)).toEqual([50_000, 29_200]);
  });

  it('uses one line per appliance (SEARCH) for the fleet graphs', () => {
    const fleet = body.widgets.find((w) => w.properties.title === 'Fleet: collection success (1 ok, 0 failed)')!;
    expect(fleet.properties.metrics).toEqual([
      [expect.objectContaining({ expression: `SEARCH('{"NetScaler/MPTCP",Appliance} MetricName="CollectionSuccess"', 'Minimum', 60)` })],
    ]);
  });
});

describe('the dashboard follows the selection', () => {
  it('graphs the v0/v1 split (all sessions against v1 sessions) when a v1 metric is selected, and not otherwise', () => {
    const split = planApplianceGraphs(resolveSelection('all')).filter((g) => g.title.startsWith('MPTCP v0/v1 split'));
    expect(split.map((g) => [g.metricNames, g.statistic])).toEqual([
      [['CurrentSessions', 'CurrentV1Sessions'], 'Average'],
      [['SessionsCreated', 'V1SessionsCreated'], 'Sum'],
    ]);
    expect(planApplianceGraphs(resolveSelection('CurrentSessions,SessionsCreated')).some((g) => g.title.startsWith('MPTCP v0/v1'))).toBe(
      false,
    );
  });

  it('leaves out graphs without a selected metric', () => {
    const body = dashboardBody(synthConfig(configWith({ counters: 'CurrentSessions' })).template);
    const titles = body.widgets.map((w) => w.properties.title).filter(Boolean);
    expect(titles).toContain('Fleet: CurrentSessions');
    expect(titles).not.toContain('Fleet: CurrentSubflows');
    expect(titles.some((t) => t!.startsWith('MP_CAPABLE') || t === 'Protocol errors' || t === 'Fallbacks to plain TCP')).toBe(false);
  });

  it('places every metric of "all" plus named rates in exactly one graph', () => {
    const selection = resolveSelection('all,SessionsCreatedRate');
    const graphs = planApplianceGraphs(selection);
    const placed = graphs.flatMap((g) => g.metricNames);
    expect(placed.sort()).toEqual(selection.map((m) => m.metricName).sort());
    expect(graphs.find((g) => g.title.startsWith('Appliance-computed rates'))?.metricNames).toEqual(['SessionsCreatedRate']);
    expect(graphs.every((g) => g.metricNames.length <= 100)).toBe(true);
  });

  it('splits the alarm list into widgets of at most 100 alarms', () => {
    // 3 collector alarms, 5 fleet alarms, 3 per appliance.
    const body = dashboardBody(synthConfig({ appliances: manyAppliances(40), alarms: { notify: 'per-alarm' } }).template);
    const status = body.widgets.filter((w) => w.type === 'alarm');
    expect(status.map((w) => w.properties.alarms!.length)).toEqual([100, 28]);
    expect(status.map((w) => w.properties.title)).toEqual(['Alarms 1-100', 'Alarms 101-128']);
    // Pages: CollectorFailing, the 5 fleet alarms, 40 Incidents; then the collector's 3, CollectorDown and 3 per appliance.
    const paged = dashboardBody(synthConfig({ appliances: manyAppliances(40) }).template).widgets.filter((w) => w.type === 'alarm');
    expect(paged.map((w) => w.properties.alarms!.length)).toEqual([46, 100, 24]);
  });
});

describe('the dashboard with listed virtual servers', () => {
  const appliances = [{ ...manyAppliances(1)[0]!, virtualServers: ['lb/vs_web', 'cs/front end'] }, ...manyAppliances(3).slice(1)];
  const body = dashboardBody(synthConfig({ appliances }).template);

  it('graphs each appliance that lists servers: sessions left, subflows and servers not read right, by SEARCH on that appliance', () => {
    const graphs = body.widgets.filter((w) => w.properties.title?.includes('virtual server'));
    expect(graphs.map((w) => w.properties.title)).toEqual(['adc-001: 2 virtual server(s)']);
    const expressions = (graphs[0]!.properties.metrics ?? []).map((row) => JSON.stringify(row));
    expect(expressions[0]).toContain('MetricName=\\"VirtualServerMptcpSessions\\" Appliance=\\"adc-001\\"');
    expect(expressions[0]).toContain('{\\"NetScaler/MPTCP\\",Appliance,VirtualServer}');
    expect(expressions[1]).toContain('VirtualServerMptcpSubflows');
    expect(expressions[2]).toContain('VirtualServerErrors');
    expect(expressions.slice(1).every((e) => e.includes('"yAxis":"right"'))).toBe(true);
  });

  it('has no virtual server section when no appliance lists one', () => {
    const plain = dashboardBody(synthConfig(configWith()).template);
    expect(plain.widgets.some((w) => w.properties.markdown?.includes('Virtual servers'))).toBe(false);
  });
});

describe('the dashboard: exact counts from the sample records', () => {
  const { template } = synthConfig(configWith());
  const logWidgets = dashboardBody(template).widgets.filter((w) => w.type === 'log') as (Widget & {
    properties: { query: string; view: string; region: string };
  })[];
  const logGroup = onlyResource(template, 'AWS::Logs::LogGroup').id;

  it('graphs the example counter per appliance, and its exact total, from the collector log group', () => {
    expect(logWidgets.map((w) => [w.properties.title, w.properties.view])).toEqual([
      ['Fleet: collection duration (ms, from the sample records)', 'timeSeries'],
      ['MpJoinSynReceived per appliance (exact, from the logs)', 'timeSeries'],
      ['MpJoinSynReceived in the time range (exact)', 'table'],
    ]);
    for (const widget of logWidgets) {
      expect(widget.properties.query).toContain(`SOURCE '<${logGroup}>'`);
      expect(widget.properties.query).toContain('filter record = "mptcp-sample/1"');
    }
    expect(logWidgets[0]!.properties.query).toContain('stats max(health.CollectionDuration) as CollectionDuration by bin(1m), appliance');
    expect(logWidgets[1]!.properties.query).toContain(
      'stats sum(deltas.handshake.MpJoinSynReceived) as MpJoinSynReceived by bin(1m), appliance',
    );
  });
});
