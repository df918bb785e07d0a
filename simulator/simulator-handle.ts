/** The object startSimulator returns: the control operations of the appliance plus where and how to reach it. */
import type { Appliance } from './appliance.js';
import type { Simulator } from './types.js';

export interface Endpoint {
  readonly url: string;
  readonly port: number;
  readonly caCertificate: string;
  readonly controlUrl: string;
  close(): Promise<void>;
}

export function simulatorHandle(appliance: Appliance, endpoint: Endpoint): Simulator {
  return {
    url: endpoint.url,
    port: endpoint.port,
    caCertificate: endpoint.caCertificate,
    serverName: 'localhost',
    controlUrl: endpoint.controlUrl,
    get username() {
      return appliance.username;
    },
    get password() {
      return appliance.password;
    },
    close: () => endpoint.close(),
    setCredentials: (username, password) => appliance.setCredentials(username, password),
    setCounter: (nitroName, value) => appliance.setCounter(nitroName, value),
    getCounters: () => appliance.getCounters(),
    getRates: () => appliance.getRates(),
    advance: (seconds) => appliance.advance(seconds),
    setAutoAdvance: (enabled) => appliance.setAutoAdvance(enabled),
    reboot: () => appliance.reboot(),
    clearStats: () => appliance.clearStats(),
    setShape: (shape) => appliance.setShape(shape),
    setIntegerEncoding: (encoding) => appliance.setIntegerEncoding(encoding),
    removeFields: (names) => appliance.removeFields(names),
    addFields: (fields) => appliance.addFields(fields),
    setRawField: (name, value) => appliance.setRawField(name, value),
    resetFields: () => appliance.resetFields(),
    setHaState: (state) => appliance.setHaState(state),
    haPair: () => appliance.haPair(),
    haSwitch: () => appliance.haSwitch(),
    haPrimaryNode: () => appliance.haPrimaryNode(),
    injectFault: (fault, options) => appliance.injectFault(fault, options),
    clearFaults: () => appliance.clearFaults(),
    requests: () => appliance.requests(),
    clearRequests: () => appliance.clearRequests(),
    openSessions: () => appliance.openSessions(),
    openSessionTags: () => appliance.openSessionTags(),
    maxConcurrentSessions: () => appliance.maxConcurrentSessions(),
    logins: () => appliance.logins(),
    killSessions: () => appliance.killSessions(),
    setVirtualServer: (type, name, values) => appliance.setVirtualServer(type, name, values),
    removeVirtualServer: (type, name) => appliance.removeVirtualServer(type, name),
    setFirmware: (firmware) => appliance.setFirmware(firmware),
    setRestrictedTimeout: (enabled, adminTimeoutSeconds) => appliance.setRestrictedTimeout(enabled, adminTimeoutSeconds),
    setLockout: (policy) => appliance.setLockout(policy),
    lockedUntil: (username) => appliance.lockedUntil(username),
    passwordTagOf: (password) => appliance.passwordTagOf(password),
    loginRefusals: () => appliance.loginRefusals(),
  };
}
