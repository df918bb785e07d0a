import { type Spec, valueAt } from '../../lambda/config/schema.js';
import { type DeploySetting, SETTINGS, type SettingName } from '../model/settings.js';

/**
 * The construct's props read through the settings rows: a setting's value is found at its row's prop path with the row's default when the prop is left out. The construct reads its plain
 * settings only this way, so a prop's path and default are stated once, in the row.
 */

export type SettingValue<N extends SettingName> = (typeof SETTINGS)[N]['spec'] extends Spec<infer T> ? T : never;

/** The value given for a setting in the props, or undefined. */
export function givenSetting<N extends SettingName>(props: object, name: N): SettingValue<N> | undefined {
  const prop = (SETTINGS[name] as DeploySetting).prop;
  if (!prop || prop.cdkValue) throw new Error(`setting ${name} has no plain prop`);
  return valueAt(props, prop.path.split('.')) as SettingValue<N> | undefined;
}

/** The value of a setting with a default: given in the props, or the row's default. */
export function settingValue<N extends SettingName>(props: object, name: N): SettingValue<N> {
  const value = givenSetting(props, name) ?? (SETTINGS[name] as DeploySetting).default;
  if (value === undefined) throw new Error(`setting ${name} has no default`);
  return value as SettingValue<N>;
}
