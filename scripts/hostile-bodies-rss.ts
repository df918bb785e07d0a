/**
 * `npx tsx scripts/hostile-bodies-rss.ts`: the memory ten hostile appliances cost at once. Each answers
 * stat/protocolmptcp with a valid JSON body of as many keys as fit in the resource's body limit
 * (MAX_BODY_BYTES.protocolmptcp); the floor beside it is the same with the old 4 MB cap. Prints the RSS growth
 * of building and parsing the ten bodies (run it with --expose-gc for a steadier baseline).
 */
import { MAX_BODY_BYTES } from '../lambda/nitro/client.js';
import { hostileStatBody } from './bench/fleet-info.js';

const APPLIANCES = 10;
const OLD_CAP_BYTES = 4 * 1024 * 1024;

function measure(limit: number): { rssGrowthMb: number; keys: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().rss;
  const parsed = Array.from(
    { length: APPLIANCES },
    () => JSON.parse(hostileStatBody(limit)) as { protocolmptcp: Record<string, unknown>[] },
  );
  const growth = process.memoryUsage().rss - before;
  return { rssGrowthMb: growth / 1024 ** 2, keys: Object.keys(parsed[0]!.protocolmptcp[0]!).length };
}

const capped = measure(MAX_BODY_BYTES.protocolmptcp);
const rssAtLimitMb = process.memoryUsage().rss / 1024 ** 2;
const old = measure(OLD_CAP_BYTES);
process.stdout.write(
  `${APPLIANCES} hostile protocolmptcp bodies at once:\n` +
    `  at the limit (${MAX_BODY_BYTES.protocolmptcp} bytes, ${capped.keys} keys each): RSS +${capped.rssGrowthMb.toFixed(1)} MB\n` +
    `  process RSS with the ten at the limit: ${rssAtLimitMb.toFixed(0)} MB (the function has 256 MB)\n` +
    `  at the old 4 MB cap (${old.keys} keys each): RSS +${old.rssGrowthMb.toFixed(1)} MB\n`,
);
