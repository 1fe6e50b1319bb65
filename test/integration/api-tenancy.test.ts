import { SendTaskSuccessCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getStock } from '../../functions/shared/store/inventory.js';
import { getOrder } from '../../functions/shared/store/orders.js';
import { sellerClient } from '../support/http.js';
import { orderIn } from '../support/order-states.js';
import { ACME, DEMO, seedSellers } from '../support/sellers.js';
import { mockStepFunctions } from '../support/step-functions.js';

const stepFunctions = mockStepFunctions();
const demo = sellerClient(DEMO.apiKey);
const acme = sellerClient(ACME.apiKey);

beforeAll(seedSellers);
afterEach(() => stepFunctions.reset());

describe('seller isolation', () => {
  it('acme cannot read, list, export, change, cancel, release or retry a demo order', async () => {
    const held = await orderIn('ON_HOLD', {
      externalOrderId: 'DEMO-1',
      customer: { name: 'D', email: 'd@example.com' },
    });
    const failed = await orderIn('FAILED_TO_RELEASE');
    const address = { name: 'X', line1: '1 St', city: 'Berlin', postalCode: '10115', country: 'DE' };

    const answers = {
      read: await acme.get(`/orders/${held.orderId}`),
      patch: await acme.patch(`/orders/${held.orderId}`, { shippingAddress: address }),
      cancel: await acme.post(`/orders/${held.orderId}/cancel`),
      release: await acme.post(`/orders/${held.orderId}/release`),
      retry: await acme.post(`/orders/${failed.orderId}/retry`),
    };
    const list = await acme.get('/orders', { limit: '200' });
    const byExternalId = await acme.get('/orders', { externalOrderId: 'DEMO-1' });
    const byEmail = await acme.get('/orders', { email: 'd@example.com' });
    const exported = await acme.get('/orders/export.csv');
    const bulk = await acme.post('/orders/release', { orderIds: [held.orderId] });

    for (const [action, answer] of Object.entries(answers)) {
      expect(answer.statusCode, action).toBe(404);
      expect(answer.body, action).not.toContain('DEMO-1');
    }
    expect(list.json.items).toEqual([]);
    expect(byExternalId.json.items).toEqual([]);
    expect(byEmail.json.items).toEqual([]);
    expect(exported.body).not.toContain(held.orderId);
    expect(bulk.json.results).toEqual([
      { orderId: held.orderId, statusCode: 404, error: expect.objectContaining({ code: 'not_found' }) },
    ]);
    expect(await getOrder(held.orderId)).toEqual(held);
    expect((await getOrder(failed.orderId))?.workflow.attempt).toBe(1);
    expect(stepFunctions.sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(stepFunctions.sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
    expect(stepFunctions.started.size).toBe(0);
  });

  it('demo still sees and acts on its own order', async () => {
    const held = await orderIn('ON_HOLD');

    expect((await demo.get(`/orders/${held.orderId}`)).statusCode).toBe(200);
    expect((await demo.post(`/orders/${held.orderId}/release`)).statusCode).toBe(202);
  });

  it('keeps stock per seller: the same SKU is a different record for each', async () => {
    const acmePut = await acme.put('/inventory/MUG-RED', { available: 3 });
    const demoStock = await demo.get('/inventory/MUG-RED');

    expect(acmePut.json).toEqual({ sku: 'MUG-RED', available: 3, reserved: 0 });
    expect(demoStock.json.available).toBeGreaterThan(3);
    expect((await getStock('demo', 'MUG-RED'))?.available).toBe(demoStock.json.available);
    expect((await acme.get('/inventory/POSTER-A2')).statusCode).toBe(404);
  });
});
