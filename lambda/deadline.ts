import { timerMs } from './core/budget.js';

/**
 * A signal that aborts at `deadline` (epoch ms on the wall clock), with a TimeoutError reason like
 * AbortSignal.timeout; already aborted when the deadline has passed. The delay is always a valid timer value.
 */
export function signalAt(deadline: number, now: number = Date.now()): AbortSignal {
  if (deadline <= now) return AbortSignal.abort(new DOMException('the deadline has passed', 'TimeoutError'));
  return AbortSignal.timeout(timerMs(deadline - now));
}

/**
 * Like signalAt, for a deadline that usually is not reached: `clear()` stops its timer once the work is done, so
 * that no timer (and no abort with its exception) outlives the work into later runs of a warm container.
 */
export function clearableSignalAt(deadline: number, now: number = Date.now()): { readonly signal: AbortSignal; clear(): void } {
  if (deadline <= now) return { signal: signalAt(deadline, now), clear: () => undefined };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('the deadline has passed', 'TimeoutError')), timerMs(deadline - now));
  timer.unref?.();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/**
 * Waits for `promise`, but no longer than `signal` allows: rejects with the signal's reason when it aborts first.
 * For promises shared between callers (a cached secret read), where one caller's deadline must not end the
 * work for the others.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** True when `error` is the abort of a deadline signal (or an SDK or transport error caused by one). */
export function isDeadlineAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && (error === signal.reason || isAbortError(error));
}

function isAbortError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const name = (e as { name?: unknown }).name;
    if (name === 'AbortError' || name === 'TimeoutError') return true;
  }
  return false;
}
