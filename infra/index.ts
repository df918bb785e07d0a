/** Public API for use in your own CDK app: `new MptcpMonitoring(stack, 'Mptcp', { appliances: [...] })`. */
export {
  MptcpMonitoring,
  MAX_APPLIANCE_ALARMS_PER_TEMPLATE,
  type MptcpMonitoringProps,
  type MptcpAlarmProps,
  type MptcpVpcProps,
} from './constructs/mptcp-monitoring.js';
export { MptcpMonitoringStack, type MptcpMonitoringStackProps, DEFAULT_STACK_NAME } from './stack.js';
export { configFileSchema, type ConfigFile } from './config/file-schema.js';
export { loadConfig, parseConfigText, validateConfig, ConfigFileError, DEFAULT_CONFIG_FILE, EXAMPLE_CONFIG_FILE } from './config/load-config.js';
export {
  ALARM_DEFAULTS,
  PROTOCOL_ERROR_PRIORITY,
  FALLBACK_ALARM_METRICS,
  type AlarmKind,
  type AlarmSettings,
  type AlarmSettingsOverrides,
} from './model/alarm-plan.js';
export type { ApplianceConfig } from '../lambda/config/appliance.js';
