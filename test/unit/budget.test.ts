import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applianceBudgetMs,
  applianceTurnMs,
  collectWindowMs,
  MAX_APPLIANCE_MS,
  MAX_TIMER_MS,
  MIN_APPLIANCE_MS,
  planRunBudget,
  timerMs,
} from '../../lambda/core/budget.js';
import { signalAt } from '../../lambda/deadline.js';

describe('the run budget', () => {
  it('gives integer, ordered deadlines for every remaining time Lambda can report (regression: fractional timers)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000_000_000 }), fc.integer({ min: 0, max: 900_000 }), (startedAt, remainingMs) => {
        const budget = planRunBudget(startedAt, remainingMs);
        for (const value of Object.values(budget)) expect(Number.isSafeInteger(value)).toBe(true);
        expect(budget.startedAt).toBeLessThanOrEqual(budget.collectBy);
        expect(budget.collectBy).toBeLessThanOrEqual(budget.publishBy);
        expect(budget.publishBy).toBeLessThanOrEqual(budget.commitBy);
        expect(budget.commitBy).toBeLessThanOrEqual(budget.deadline);
        expect(budget.deadline).toBe(startedAt + remainingMs);
        // Every phase's timer is one AbortSignal.timeout accepts (it throws ERR_OUT_OF_RANGE on a fraction).
        for (const deadline of [budget.collectBy, budget.publishBy, budget.commitBy])
          expect(() => AbortSignal.timeout(timerMs(deadline - startedAt))).not.toThrow();
      }),
    );
  });

  it('keeps 20 % (3 to 15 s) plus 3.5 s from collection, 2.5 s from publishing and 0.5 s for the last log line', () => {
    expect(planRunBudget(1_000, 49_997)).toEqual({
      startedAt: 1_000,
      collectBy: 1_000 + 49_997 - 9_999 - 3_500,
      publishBy: 1_000 + 47_497,
      commitBy: 1_000 + 49_497,
      deadline: 50_997,
    });
    expect(collectWindowMs(10_000)).toBe(3_500);
    expect(collectWindowMs(300_000)).toBe(300_000 - 15_000 - 3_500);
    expect(collectWindowMs(5_000)).toBe(0);
  });

  it('tolerates a fractional or negative remaining time (never produced by Lambda, but by careless callers)', () => {
    const budget = planRunBudget(1_000.7, 49_997.3);
    for (const value of Object.values(budget)) expect(Number.isInteger(value)).toBe(true);
    expect(planRunBudget(1_000, -5)).toEqual({ startedAt: 1_000, collectBy: 1_000, publishBy: 1_000, commitBy: 1_000, deadline: 1_000 });
  });

  it('shares the collection window fairly between waves of appliances, within limits', () => {
    expect(applianceBudgetMs(36_500, 1, 10)).toBe(MAX_APPLIANCE_MS);
    expect(applianceBudgetMs(36_500, 25, 10)).toBe(12_166);
    expect(applianceBudgetMs(36_500, 100, 10)).toBe(MIN_APPLIANCE_MS);
    expect(applianceBudgetMs(3_000, 1, 10)).toBe(3_000);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 900_000 }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 100 }),
        (window, appliances, concurrency) => {
          const share = applianceBudgetMs(window, appliances, concurrency);
          expect(Number.isInteger(share)).toBe(true);
          expect(share).toBeLessThanOrEqual(Math.min(window, MAX_APPLIANCE_MS));
          // When each wave can have the minimum, every wave fits in the window.
          const waves = Math.ceil(appliances / concurrency);
          if (window / waves >= MIN_APPLIANCE_MS) expect(share * waves).toBeLessThanOrEqual(window);
        },
      ),
    );
  });
});

describe('timer values', () => {
  it('are whole, positive and within what Node accepts', () => {
    expect(timerMs(0.4)).toBe(1);
    expect(timerMs(-10)).toBe(1);
    expect(timerMs(1234.9)).toBe(1234);
    expect(timerMs(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_MS);
    expect(timerMs(Number.NaN)).toBe(1);
    expect(timerMs(2 ** 40)).toBe(MAX_TIMER_MS);
  });

  it('give a signal already aborted for a deadline in the past, and one that aborts at a future deadline', async () => {
    expect(signalAt(Date.now() - 1).aborted).toBe(true);
    const signal = signalAt(Date.now() + 30.6);
    expect(signal.aborted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).name).toBe('TimeoutError');
  });

  it("shares the window into turns that, all together, never exceed it: a hung appliance's turn ends long before its deadline", () => {
    expect(applianceTurnMs(36_500, 25, 10)).toBe(12_166);
    expect(applianceTurnMs(36_500, 1_000, 10)).toBe(365);
    expect(applianceBudgetMs(36_500, 1_000, 10)).toBe(MIN_APPLIANCE_MS);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 900_000 }),
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 1, max: 200 }),
        (window, appliances, concurrency) => {
          const turn = applianceTurnMs(window, appliances, concurrency);
          expect(Number.isSafeInteger(turn) && turn >= 1).toBe(true);
          if (window >= Math.ceil(appliances / concurrency)) expect(turn * Math.ceil(appliances / concurrency)).toBeLessThanOrEqual(window);
        },
      ),
    );
  });
});
