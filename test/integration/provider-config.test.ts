import { afterEach, describe, expect, it } from 'vitest';
import { PaymentDeclinedError, ReleaseRejectedError } from '../../functions/shared/errors.js';
import { paymentsFor, shipmentsFor } from '../../functions/shared/providers/index.js';
import { labelsFor, sandboxLabels } from '../../functions/shared/providers/labels.js';
import { sandboxPayments, shopifyPayments } from '../../functions/shared/providers/payment.js';
import { stripePayments } from '../../functions/shared/providers/stripe.js';
import {
  getProviderCredentials,
  forgetCachedCredentials,
} from '../../functions/shared/store/provider-secrets.js';
import { createOrder } from '../../functions/shared/store/orders.js';
import { forgetCachedSellers, getSeller } from '../../functions/shared/store/sellers.js';
import { run } from '../../scripts/seller.js';
import { call, sellerClient } from '../support/http.js';
import { orderflowSignature } from '../support/shopify.js';
import { newOrder, orderInput } from '../support/orders.js';
import { mockStepFunctions } from '../support/step-functions.js';

const stepFunctions = mockStepFunctions();
const STRIPE_KEY = 'sk_test_never_shown_anywhere_1234';
const secretIn = (output: string, label: string) => new RegExp(`${label}:\\s+(\\S+)`).exec(output)![1]!;

afterEach(() => {
  stepFunctions.reset();
  process.env.ALLOW_SANDBOX_PROVIDERS = 'true';
  forgetCachedSellers();
  forgetCachedCredentials();
});

const request = (sellerId: string) => ({
  idempotencyKey: 'ord_x',
  orderId: 'ord_x',
  sellerId,
  method: 'standard' as const,
  region: 'domestic' as const,
  address: newOrder().shippingAddress,
});

describe('connecting a Shopify shop', () => {
  const TOKEN = 'shpat_never_shown_anywhere_0001';

  it('keeps the token as a credential, never on the profile, printed or returned; notifyCustomer defaults to true', async () => {
    const created = await run(['create', '--id', 'shop-1', '--origin', 'US']);
    const apiKey = secretIn(created, 'API key');

    const connected = await run([
      'connect-shopify',
      '--id',
      'shop-1',
      '--shop',
      'Demo-Shop.myshopify.com',
      '--access-token',
      TOKEN,
    ]);
    const order = newOrder({ sellerId: 'shop-1' });
    await createOrder(order, []);
    const answer = await sellerClient(apiKey).get(`/orders/${order.orderId}`);

    expect(connected).toContain('demo-shop.myshopify.com');
    expect(connected).not.toContain(TOKEN);
    expect((await getSeller('shop-1'))!.shopify).toMatchObject({
      shopDomain: 'demo-shop.myshopify.com',
      notifyCustomer: true,
    });
    expect(JSON.stringify(await getSeller('shop-1'))).not.toContain(TOKEN);
    expect((await getProviderCredentials('shop-1', 'shopify'))?.apiKey).toBe(TOKEN);
    expect(answer.body).not.toContain(TOKEN);
  });

  it('changes notifyCustomer alone, and refuses another host or a malformed token, changing nothing', async () => {
    await run(['create', '--id', 'shop-2', '--origin', 'US']);
    await run(['connect-shopify', '--id', 'shop-2', '--shop', 'two.myshopify.com', '--access-token', TOKEN]);

    await run(['connect-shopify', '--id', 'shop-2', '--notify-customer', 'false']);
    await expect(
      run(['connect-shopify', '--id', 'shop-2', '--shop', 'evil.example.com', '--access-token', TOKEN]),
    ).rejects.toThrow(/myshopify\.com/);
    await expect(
      run([
        'connect-shopify',
        '--id',
        'shop-2',
        '--shop',
        'two.myshopify.com',
        '--access-token',
        'not a token',
      ]),
    ).rejects.toThrow(/shpat_/);
    forgetCachedCredentials();

    expect((await getSeller('shop-2'))!.shopify).toMatchObject({
      shopDomain: 'two.myshopify.com',
      notifyCustomer: false,
    });
    expect((await getProviderCredentials('shop-2', 'shopify'))?.apiKey).toBe(TOKEN);
  });
});

describe('providers per seller, by configuration', () => {
  it('stores credentials apart from the profile, and never prints or returns them', async () => {
    const created = await run(['create', '--id', 'prov-1', '--origin', 'US']);
    const apiKey = secretIn(created, 'API key');

    const chose = await run([
      'set-providers',
      '--id',
      'prov-1',
      '--payment',
      'stripe',
      '--carrier',
      'easypost',
    ]);
    const stored = await run([
      'set-credentials',
      '--id',
      'prov-1',
      '--provider',
      'stripe',
      '--api-key',
      STRIPE_KEY,
      '--webhook-secret',
      'whsec_one_00000001,whsec_two_00000002',
    ]);
    const order = newOrder({ sellerId: 'prov-1' });
    await createOrder(order, []);
    const answer = await sellerClient(apiKey).get(`/orders/${order.orderId}`);

    expect(chose).toMatch(/stripe.*easypost/);
    expect(stored).not.toContain(STRIPE_KEY);
    expect(stored).not.toContain('whsec_one');
    expect((await getSeller('prov-1'))!.providers).toEqual({ payment: 'stripe', carrier: 'easypost' });
    expect(JSON.stringify(await getSeller('prov-1'))).not.toContain(STRIPE_KEY);
    expect(await getProviderCredentials('prov-1', 'stripe')).toEqual({
      apiKey: STRIPE_KEY,
      webhookSecrets: ['whsec_one_00000001', 'whsec_two_00000002'],
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.body).not.toContain(STRIPE_KEY);
  });

  it('takes orders paid with Stripe from the seller API and the webhooks', async () => {
    const output = await run(['create', '--id', 'prov-5', '--origin', 'US']);
    const payment = { provider: 'stripe' as const, reference: 'pi_3Mtw', amount: '25.00' };
    const raw = JSON.stringify(orderInput({ externalOrderId: 'stripe-1', payment }));

    const seller = sellerClient(secretIn(output, 'API key'));
    await seller.put(`/inventory/${orderInput().items[0]!.sku}`, { available: 10 });
    const created = await seller.post('/orders', orderInput({ payment }));
    const delivered = await call({
      method: 'POST',
      path: '/webhooks/orders/prov-5',
      headers: { 'x-orderflow-signature': orderflowSignature(raw, secretIn(output, 'webhook secret')) },
      body: raw,
    });

    expect(created.statusCode).toBe(201);
    expect(delivered.statusCode).toBe(202);
    expect(created.json.payment).toMatchObject({ provider: 'stripe', reference: 'pi_3Mtw' });
  });

  it('refuses an unknown provider or a malformed key, and changes nothing', async () => {
    await run(['create', '--id', 'prov-2', '--origin', 'US']);

    await expect(run(['set-providers', '--id', 'prov-2', '--payment', 'paypal'])).rejects.toThrow(
      /sandbox, shopify, stripe/,
    );
    await expect(run(['set-providers', '--id', 'prov-2', '--carrier', 'ups'])).rejects.toThrow(
      /sandbox, easypost, shippo/,
    );
    await expect(
      run(['set-credentials', '--id', 'prov-2', '--provider', 'stripe', '--api-key', 'sk test key']),
    ).rejects.toThrow(/printable ASCII/);
    await expect(
      run(['set-credentials', '--id', 'prov-2', '--provider', 'paypal', '--api-key', 'sk_test_12345678']),
    ).rejects.toThrow(/stripe, easypost, shippo/);
    await expect(run(['set-providers', '--id', 'nobody', '--payment', 'stripe'])).rejects.toThrow(
      /no seller/,
    );

    expect((await getSeller('prov-2'))!.providers).toBeUndefined();
    expect(await getProviderCredentials('prov-2', 'stripe')).toBeUndefined();
  });

  it("uses the seller's choice, the sandbox only where the stage allows it, and the sandbox for test orders", async () => {
    await run(['create', '--id', 'prov-3', '--origin', 'US']);
    await run(['create', '--id', 'prov-4', '--origin', 'US']);
    await run(['set-providers', '--id', 'prov-4', '--payment', 'shopify']);
    const unset = newOrder({ sellerId: 'prov-3' });

    expect(await paymentsFor(unset)).toBe(sandboxPayments);
    expect(await labelsFor(unset)).toBe(sandboxLabels);
    expect(await paymentsFor({ sellerId: 'prov-4' })).toBe(shopifyPayments);
    expect(await paymentsFor({ sellerId: 'prov-1' })).toBe(stripePayments);

    process.env.ALLOW_SANDBOX_PROVIDERS = 'false';
    const refusedPayment = (await paymentsFor(unset)).verify(unset);
    const refusedLabel = (await shipmentsFor(unset)).prepare(request('prov-3'));

    await expect(refusedPayment).rejects.toThrow(PaymentDeclinedError);
    await expect(refusedPayment).rejects.toThrow(/sandbox_not_allowed/);
    await expect(refusedLabel).rejects.toThrow(ReleaseRejectedError);
    // A storefront's test order never reaches a real provider, whatever the stage or the seller's choice.
    expect(await paymentsFor({ sellerId: 'prov-1', test: true })).toBe(sandboxPayments);
    expect(await labelsFor({ sellerId: 'prov-1', test: true })).toBe(sandboxLabels);
  });
});
