/**
 * The NITRO login session timeout: the one definition of its default and range, and how a refusal of it looks.
 *
 * 300 s is accepted whether or not the appliance runs with `restrictedTimeout` ENABLED: restricted, a login timeout
 * must lie in [300, 86400] s and not exceed the admin-configured timeout (itself at least 300); unrestricted, any
 * value up to 100,000,000 s is accepted. It is also short: a session the collector could not log out (the
 * appliance or the network failed at that moment) ends by itself after 300 s idle, so at one run a minute at most
 * 5 of the appliance's ~20 admin connections are ever held by leaked sessions, even if every logout failed.
 */
export const SESSION_TIMEOUT_SECONDS = { default: 300, min: 300, max: 86_400 } as const;

/**
 * True for a login refused because of its `timeout` argument: an answer whose NITRO message names the timeout
 * (the exact error is not documented: an invalid argument, 278, that names it is what restricted appliances send).
 */
export function refusesTimeout(message: string | undefined): boolean {
  return message !== undefined && /\btimeout\b/i.test(message);
}
