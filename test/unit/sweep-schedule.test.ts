import { describe, expect, it } from 'vitest';
import { firstLookAt, nextLook } from '../../functions/shared/domain/sweep-schedule.js';
import type { Order } from '../../functions/shared/domain/order.js';

// Real time (no ORDERFLOW_TIME_SCALE in unit tests), as on AWS.
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function order(status: Order['status'], fields: Partial<Order> = {}): Order {
  return { status, createdAt: iso(T0), updatedAt: iso(T0), ...fields } as Order;
}

describe('the sweep schedule', () => {
  it('looks at an order a quarter of an hour after each status write', () => {
    expect(firstLookAt(iso(T0))).toBe(iso(T0 + 15 * MINUTE));
  });

  it('looks again at an order that should move within minutes as long as it has been quiet', () => {
    const stuck = order('RELEASED', { updatedAt: iso(T0) });

    expect(nextLook(stuck, T0 + 15 * MINUTE)).toBe(T0 + 30 * MINUTE);
    expect(nextLook(stuck, T0 + 2 * HOUR)).toBe(T0 + 4 * HOUR);
  });

  it('looks at a shipped parcel next when it would be overdue, two days after the estimate', () => {
    const shipped = order('IN_TRANSIT', {
      shipment: { estimatedDeliveryAt: iso(T0 + 3 * DAY) } as Order['shipment'],
    });

    expect(nextLook(shipped, T0 + 15 * MINUTE)).toBe(T0 + 5 * DAY);
  });

  it('looks at an order waiting for the seller next when it turns late, then at doubling intervals', () => {
    const outOfStock = order('OUT_OF_STOCK', { updatedAt: iso(T0 + HOUR) });

    expect(nextLook(outOfStock, T0 + 2 * HOUR)).toBe(T0 + DAY);
    expect(nextLook(outOfStock, T0 + DAY + MINUTE, 24)).toBe(T0 + DAY + MINUTE + (DAY + MINUTE - HOUR));
    expect(nextLook(outOfStock, T0 + 2 * HOUR, 48)).toBe(T0 + 2 * DAY);
  });

  it("looks at a held order when it turns late and when its hold's timeout should have ended it", () => {
    const held = order('ON_HOLD', {
      hold: { reason: 'manual', since: iso(T0), expiresAt: iso(T0 + 7 * DAY) },
    });

    expect(nextLook(held, T0 + 15 * MINUTE)).toBe(T0 + DAY);
    expect(nextLook(held, T0 + DAY + MINUTE)).toBe(T0 + 7 * DAY + 15 * MINUTE);
  });
});
