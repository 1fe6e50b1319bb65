import { afterAll, afterEach, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { sweep } from '../../functions/delivery-sweeper/handler.js';
import { setStock } from '../../functions/shared/store/inventory.js';
import { putSeller } from '../../functions/shared/store/seller-admin.js';
import type { OrderStatus } from '../../functions/shared/domain/status.js';
import { orderIn } from '../support/order-states.js';
import { startWorkflowHarness, type WorkflowHarness } from '../support/workflow.js';

let harness: WorkflowHarness;
const HOUR = 3_600_000;

/** The orders of this file's own table: how many the gauge must show in each status. */
const STORED: Partial<Record<OrderStatus, number>> = {
  PENDING: 2,
  ON_HOLD: 1,
  OUT_OF_STOCK: 1,
  FAILED_TO_RELEASE: 1,
  IN_TRANSIT: 1,
  DELIVERED: 2,
  CANCELLED: 1,
};

beforeAll(async () => {
  harness = await startWorkflowHarness();
  await putSeller({ sellerId: 'gauge', originCountry: 'US', webhookSecrets: [] });
  await setStock('gauge', 'MUG-RED', 100);
  for (const [status, count] of Object.entries(STORED) as [OrderStatus, number][]) {
    for (let i = 0; i < count; i++) await orderIn(status, { sellerId: 'gauge' });
  }
});
afterAll(() => harness.stop());

let stdout: MockInstance | undefined;
afterEach(() => {
  stdout?.mockRestore();
  vi.unstubAllEnvs();
});

/** The OpenOrders EMF lines the sweep writes: status → value, with the dimensions each is published under. */
function openOrdersGauges(): { status: string; value: number; dimensions: string[][] }[] {
  return stdout!.mock.calls
    .map((call) => String(call[0]))
    .filter((line) => line.includes('"OpenOrders"'))
    .map((line) => {
      const emf = JSON.parse(line) as {
        status: string;
        OpenOrders: number;
        _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] };
      };
      return {
        status: emf.status,
        value: emf.OpenOrders,
        dimensions: emf._aws.CloudWatchMetrics[0]!.Dimensions,
      };
    });
}

describe('the open-orders gauge', () => {
  it('is published per open status, zeros included, terminal orders left out', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);

    // Nothing is due yet: every open order is counted from the rest of the index.
    const report = await sweep(Date.now());
    const gauges = openOrdersGauges();

    expect(report.read).toBe(0);
    expect(report.open).toEqual({
      PENDING: 2,
      PAYMENT_VERIFIED: 0,
      STOCK_RESERVED: 0,
      ON_HOLD: 1,
      OUT_OF_STOCK: 1,
      RELEASED: 0,
      FAILED_TO_RELEASE: 1,
      SHIPPED: 0,
      IN_TRANSIT: 1,
      PAYMENT_FAILED: 0,
    });
    expect(Object.fromEntries(gauges.map(({ status, value }) => [status, value]))).toEqual(report.open);
    for (const gauge of gauges) expect(gauge.dimensions).toEqual([['service', 'status']]);
  });

  it('counts the due orders the sweep reads anyway, not in a second pass over them', async () => {
    // A day later every open order is due: the sweep's own reads of the index count them.
    const report = await sweep(Date.now() + 24 * HOUR);

    expect(report.read).toBe(6);
    expect(report.open).toMatchObject({
      PENDING: 2,
      ON_HOLD: 1,
      OUT_OF_STOCK: 1,
      FAILED_TO_RELEASE: 1,
      IN_TRANSIT: 1,
    });
  });

  it('is not published from a sweep cut short, which read only part of the index', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);

    const report = await sweep(Date.now(), { timeLeftMs: () => 0 });

    expect(report.complete).toBe(false);
    expect(report.open).toBeUndefined();
    expect(openOrdersGauges()).toEqual([]);
  });
});
