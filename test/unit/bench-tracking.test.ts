import { describe, expect, it } from 'vitest';
import { runScenario, SCENARIOS } from '../../bench/tracking.js';

const [push, pollOnce, pollLate] = SCENARIOS as [
  (typeof SCENARIOS)[number],
  (typeof SCENARIOS)[number],
  (typeof SCENARIOS)[number],
];

describe('the push-vs-poll bench runs the real state machine definition', () => {
  it('a pushed parcel ends at AwaitDelivery, with no poll', async () => {
    const { entered, invoked } = await runScenario(push);

    expect(entered.slice(entered.indexOf('GenerateLabel'))).toEqual([
      'GenerateLabel',
      'AwaitDelivery',
      'DeliveryState',
      'Delivered',
    ]);
    expect(invoked['poll-delivery']).toBeUndefined();
    expect(invoked['await-delivery']).toBe(1);
  });

  it('a parcel nobody pushes for is polled after the wait, 3 transitions a further poll', async () => {
    const once = await runScenario(pollOnce);
    const late = await runScenario(pollLate);

    expect(once.entered.slice(once.entered.indexOf('GenerateLabel'))).toEqual([
      'GenerateLabel',
      'AwaitDelivery',
      'PollDelivery',
      'DeliveryState',
      'Delivered',
    ]);
    expect(late.invoked['poll-delivery']).toBe(3);
    expect(late.entered.length - once.entered.length).toBe(2 * 3);
  });
});
