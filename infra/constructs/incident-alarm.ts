import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { compositeRuleProblem, type SuppressorTiming } from '../model/incident-plan.js';

export interface IncidentAlarmProps {
  readonly alarmName: string;
  /** In ALARM while any of these is. */
  readonly members: readonly cloudwatch.IAlarm[];
  /** The members' names, checked against CloudWatch's rule limits at synth. */
  readonly memberNames: readonly string[];
  readonly description: string;
  /** Notified on ALARM and on OK. */
  readonly action: cloudwatch.IAlarmAction;
  /** While this alarm is in ALARM, this one does not notify. */
  readonly suppressor?: { readonly alarm: cloudwatch.IAlarm; readonly timing: SuppressorTiming };
}

/** One composite alarm that pages for a group of alarms (any of them), optionally silenced by a suppressor. */
export class IncidentAlarm extends Construct {
  readonly alarm: cloudwatch.CompositeAlarm;

  constructor(scope: Construct, id: string, props: IncidentAlarmProps) {
    super(scope, id);
    const problem = compositeRuleProblem(props.memberNames);
    if (problem) throw new Error(`IncidentAlarm ${props.alarmName}: its rule ${problem}`);
    this.alarm = new cloudwatch.CompositeAlarm(this, 'Alarm', {
      compositeAlarmName: props.alarmName,
      alarmRule: cloudwatch.AlarmRule.anyOf(...props.members),
      alarmDescription: props.description,
      ...(props.suppressor
        ? {
            actionsSuppressor: props.suppressor.alarm,
            actionsSuppressorWaitPeriod: Duration.seconds(props.suppressor.timing.waitSeconds),
            actionsSuppressorExtensionPeriod: Duration.seconds(props.suppressor.timing.extensionSeconds),
          }
        : {}),
    });
    this.alarm.addAlarmAction(props.action);
    this.alarm.addOkAction(props.action);
  }
}
