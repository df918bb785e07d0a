import { describe, expect, it } from 'vitest';
import { mapConcurrently } from '../../lambda/concurrency.js';

const tick = () => new Promise((done) => setImmediate(done));

describe('mapConcurrently', () => {
  it('keeps the order of the items and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapConcurrently([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++running);
      await new Promise((done) => setTimeout(done, n));
      running--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('starts the next item when one hands its slot back, while that one goes on', async () => {
    const started: string[] = [];
    let finishHung: () => void = () => undefined;
    const run = mapConcurrently(['hung', 'a', 'b'], 1, async (item, releaseSlot) => {
      started.push(item);
      if (item !== 'hung') return item;
      releaseSlot();
      releaseSlot(); // idempotent: one slot is handed back once
      await new Promise<void>((done) => (finishHung = done));
      return item;
    });
    await tick();
    expect(started).toEqual(['hung', 'a', 'b']);
    finishHung();
    expect(await run).toEqual(['hung', 'a', 'b']);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const run = mapConcurrently([1, 2, 3], 1, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('boom');
      return n;
    });
    await expect(run).rejects.toThrow('boom');
    await tick();
    expect(started).toEqual([1]);
  });

  it('resolves at once for no items', async () => {
    expect(await mapConcurrently([], 3, async () => 1)).toEqual([]);
  });
});
