/** Public API for use in your own CDK app: `new MptcpMonitoring(stack, 'Mptcp', { appliances: [...] })`. */

export type { ApplianceConfig } from '../lambda/config/appliance.js';
export { type ConfigFile, configFileSpec } from './config/file-schema.js';
export {
  ConfigFileError,
  DEFAULT_CONFIG_FILE,
  EXAMPLE_CONFIG_FILE,
  loadConfig,
  parseConfigText,
  validateConfig,
} from './config/load-config.js';
export type { AlarmFieldValues, AlarmSettingsProps } from './config/settings-rules.js';
export {
  MAX_APPLIANCE_ALARMS_PER_TEMPLATE,
  type MptcpAlarmProps,
  MptcpMonitoring,
  type MptcpMonitoringProps,
  type MptcpVpcProps,
} from './constructs/mptcp-monitoring.js';
export {
  ALARM_DEFAULTS,
  type AlarmKind,
  type AlarmSettings,
  type AlarmSettingsOverrides,
  FALLBACK_ALARM_METRICS,
  PROTOCOL_ERROR_PRIORITY,
} from './model/alarm-plan.js';
export { DEFAULT_STACK_NAME, MptcpMonitoringStack, type MptcpMonitoringStackProps } from './stack.js';
