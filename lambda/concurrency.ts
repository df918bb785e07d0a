/**
 * Runs `work` on every item with at most `limit` holding a slot at once; the results keep the items' order, and
 * the first rejection rejects the whole (like Promise.all).
 *
 * `work` may hand its slot back before it settles (`releaseSlot()`, idempotent): the next item starts while
 * this one goes on waiting. A slot is otherwise released when `work` settles.
 */
export function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, releaseSlot: () => void) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  if (items.length === 0) return Promise.resolve(results);
  const slots = Math.max(1, Math.floor(limit));
  return new Promise<R[]>((resolve, reject) => {
    let next = 0;
    let busy = 0;
    let settled = 0;
    let failed = false;
    const startMore = () => {
      while (!failed && busy < slots && next < items.length) {
        const index = next++;
        busy++;
        let released = false;
        const releaseSlot = () => {
          if (released) return;
          released = true;
          busy--;
          startMore();
        };
        Promise.resolve()
          .then(() => work(items[index]!, releaseSlot))
          .then(
            (result) => {
              results[index] = result;
              settled++;
              releaseSlot();
              if (settled === items.length) resolve(results);
            },
            (error: unknown) => {
              failed = true;
              reject(error);
            },
          );
      }
    };
    startMore();
  });
}
