import { Duration } from 'aws-cdk-lib';
import { type Spec, valueAt } from '../../lambda/config/schema.js';
import { type DeploySetting, SETTINGS, type SettingName } from '../model/settings.js';

/**
 * The construct's props read through the settings rows: a setting's value is found at its row's prop path (a
 * Duration in the row's unit), with the row's default when the prop is left out. The construct reads its plain
 * settings only this way, so a prop's path, unit and default are stated once, in the row.
 */

export type SettingValue<N extends SettingName> = (typeof SETTINGS)[N]['spec'] extends Spec<infer T> ? T : never;

/** A setting's value in its row's unit as the Duration its prop takes (the inverse of givenSetting's reading). */
export function durationProp(unit: 'minutes' | 'seconds', value: number): Duration {
  return unit === 'minutes' ? Duration.minutes(value) : Duration.seconds(value);
}

/** The value given for a setting in the props (converted to the setting's unit), or undefined. */
export function givenSetting<N extends SettingName>(props: object, name: N): SettingValue<N> | undefined {
  const prop = (SETTINGS[name] as DeploySetting).prop;
  if (!prop || prop.cdkValue) throw new Error(`setting ${name} has no plain prop`);
  const value = valueAt(props, prop.path.split('.'));
  if (value === undefined || !prop.duration) return value as SettingValue<N> | undefined;
  const seconds = (value as Duration).toSeconds({ integral: false });
  return (prop.duration === 'minutes' ? seconds / 60 : seconds) as SettingValue<N>;
}

/** The value of a setting with a default: given in the props, or the row's default. */
export function settingValue<N extends SettingName>(props: object, name: N): SettingValue<N> {
  const value = givenSetting(props, name) ?? (SETTINGS[name] as DeploySetting).default;
  if (value === undefined) throw new Error(`setting ${name} has no default`);
  return value as SettingValue<N>;
}
