/**
 * The part of the Lambda context the handler uses, as the runtime makes it: `getRemainingTimeInMillis()` counts
 * down, in whole milliseconds, from a deadline. The timeout is an arbitrary integer (never a round number, which
 * hides arithmetic that only works for multiples of 5 or 1000).
 */
import { randomInt, randomUUID } from 'node:crypto';

export interface CountdownContext {
  readonly awsRequestId: string;
  /** Epoch milliseconds. */
  readonly deadline: number;
  getRemainingTimeInMillis(): number;
}

/** A context whose deadline is `about` ms from now, plus 1 to 997 ms so that it is never round. */
export function countdownContext(about = 49_000): CountdownContext {
  const deadline = Date.now() + Math.floor(about) + randomInt(1, 998);
  return { awsRequestId: randomUUID(), deadline, getRemainingTimeInMillis: () => deadline - Date.now() };
}
