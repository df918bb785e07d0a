import type { VirtualServerRef } from '../catalog/virtual-server.js';
import type { VirtualServerReading } from '../core/virtual-server-datums.js';
import { readVirtualServerAnswer } from '../core/virtual-server-datums.js';
import { type ErrorClass, toCollectorError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { NitroSession } from '../nitro/client.js';

/** After these the session or the connection is gone: the servers still to read are not asked for. */
const ENDS_THE_SESSION: ReadonlySet<ErrorClass> = new Set([
  'timeout',
  'transport-error',
  'session-expired',
  'session-limit',
  'bad-credentials',
]);

const NOT_FOUND = 258;

/**
 * Reads each listed virtual server in the appliance's open session, one GET each, in the listed order. Every
 * problem stays with its server: logged at WARN, returned as a failed reading (counted in VirtualServerErrors),
 * never thrown, so the appliance's own sample is published whatever happens here.
 */
export async function readVirtualServers(
  session: NitroSession,
  servers: readonly VirtualServerRef[],
  logger: Logger,
  scrub: (text: string) => string,
): Promise<VirtualServerReading[]> {
  const readings: VirtualServerReading[] = [];
  let sessionLost: string | undefined;
  for (const server of servers) {
    if (sessionLost !== undefined) {
      readings.push({ server, ok: false, reason: `not read: ${sessionLost}` });
      continue;
    }
    try {
      const reading = readVirtualServerAnswer(await session.getVirtualServerStat(server), server);
      if (!reading.ok)
        logger.warn(`virtual server ${server.id}: ${reading.reason}; its gauges are not published this run`, { virtualServer: server.id });
      readings.push(reading);
    } catch (caught) {
      const error = toCollectorError(caught);
      const message = scrub(error.message);
      const notFound = error.nitroErrorCode === NOT_FOUND;
      const reason = notFound
        ? 'no such virtual server on the appliance (NITRO errorcode 258): removed or renamed? Fix virtualServers'
        : message;
      logger.warn(`virtual server ${server.id}: ${reason}; its gauges are not published this run`, {
        virtualServer: server.id,
        errorClass: error.errorClass,
        ...(error.nitroErrorCode === undefined ? {} : { nitroErrorCode: error.nitroErrorCode }),
      });
      readings.push({ server, ok: false, reason, ...(error.nitroErrorCode === undefined ? {} : { nitroErrorCode: error.nitroErrorCode }) });
      if (ENDS_THE_SESSION.has(error.errorClass)) sessionLost = `an earlier virtual server failed with ${error.errorClass}`;
    }
  }
  return readings;
}
