/**
 * The soak's current and hardened appliances (issue 11's additions, kept apart from the fault plan): each lane's
 * appliances differ by firmware and session timeout rules, every one has an account lockout policy, the 13.1 ones
 * are upgraded to 14.1 mid-run, and now and then someone else locks the collector's user.
 */
import { CATALOG } from '../../lambda/catalog/catalog.js';
import type { FirmwareVersion, LockoutPolicy, Simulator, SimulatorOptions } from '../../simulator/index.js';
import { send } from '../support/https-client.js';

/** A hardened local-user policy: 3 wrong passwords in a row lock the user for 30 minutes. */
export const SOAK_LOCKOUT: LockoutPolicy = { failures: 3, lockSeconds: 30 * 60 };

/** Probability per appliance and round that another client locks the user (3 wrong passwords at once). */
export const FOREIGN_LOCKOUT_PROBABILITY = 0.001;

export const V1_COUNTERS: readonly string[] = CATALOG.filter((m) => m.since === '14.1' && m.kind === 'counter').map((m) => m.nitroName);

export interface HardenedProfile {
  readonly firmware: FirmwareVersion;
  /** The round at which a 13.1 appliance is upgraded to 14.1 (no reboot: the soak's resets are planned apart). */
  readonly upgradeAtRound?: number;
  readonly simulator: Pick<SimulatorOptions, 'restrictedTimeout' | 'adminTimeoutSeconds' | 'lockout' | 'firmware'>;
  /** sessionTimeoutSeconds in the appliance's config, when not the default. */
  readonly sessionTimeoutSeconds?: number;
}

/**
 * By index in the lane: 0 on 13.1, upgraded half-way; 1 on 14.1 with restrictedTimeout and an admin timeout (900)
 * below its configured session timeout (1200: refused, then a login without a timeout); 2 on 13.1 with
 * restrictedTimeout (the default 300 s is accepted), upgraded at three quarters; 3 and beyond on 14.1.
 */
export function hardenedProfile(index: number, rounds: number): HardenedProfile {
  switch (index) {
    case 0:
      return { firmware: '13.1', upgradeAtRound: Math.floor(rounds / 2), simulator: { firmware: '13.1', lockout: SOAK_LOCKOUT } };
    case 1:
      return {
        firmware: '14.1',
        simulator: { firmware: '14.1', lockout: SOAK_LOCKOUT, restrictedTimeout: true, adminTimeoutSeconds: 900 },
        sessionTimeoutSeconds: 1200,
      };
    case 2:
      return {
        firmware: '13.1',
        upgradeAtRound: Math.floor((rounds * 3) / 4),
        simulator: { firmware: '13.1', lockout: SOAK_LOCKOUT, restrictedTimeout: true },
      };
    default:
      return { firmware: '14.1', simulator: { firmware: '14.1', lockout: SOAK_LOCKOUT } };
  }
}

/** Another client with a wrong password, as often as the policy needs to lock the user (before any fault is set). */
export async function lockOutUser(sim: Simulator): Promise<void> {
  for (let i = 0; i < SOAK_LOCKOUT.failures; i++) {
    await send(sim, 'POST', '/nitro/v1/config/login', { body: { login: { username: sim.username, password: 'someone-else-typed-this' } } });
  }
}
