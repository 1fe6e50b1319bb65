import {
  startEasyPostStandIn,
  startShippoStandIn,
  type EasyPostStandIn,
  type ShippoStandIn,
} from './carriers.js';
import { startShopifyStandIn, type ShopifyStandIn } from './shopify.js';
import { startStripeStandIn, type StripeStandIn } from './stripe.js';

/**
 * The providers' stand-ins the local runtime serves, each at the base URL its adapter is configured with,
 * so the adapters run exactly the code they run against the real APIs on AWS.
 */
export interface StandIns {
  stripe: StripeStandIn;
  easypost: EasyPostStandIn;
  shippo: ShippoStandIn;
  shopify: ShopifyStandIn;
  /** The adapters' configuration: a base URL per provider. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

function portFrom(name: string): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${name} must be a port number, got ${raw}`);
  return port;
}

/** Each on the port in its ORDERFLOW_<PROVIDER>_PORT, or a free one. */
export async function startStandIns(): Promise<StandIns> {
  const [stripe, easypost, shippo, shopify] = await Promise.all([
    startStripeStandIn({ port: portFrom('ORDERFLOW_STRIPE_PORT') }),
    startEasyPostStandIn({ port: portFrom('ORDERFLOW_EASYPOST_PORT') }),
    startShippoStandIn({ port: portFrom('ORDERFLOW_SHIPPO_PORT') }),
    // A Shopify order it was never given is one line of quantity 1, so a demo's orders can be fulfilled.
    startShopifyStandIn({ port: portFrom('ORDERFLOW_SHOPIFY_PORT'), autoOrders: true }),
  ]);
  return {
    stripe,
    easypost,
    shippo,
    shopify,
    env: {
      STRIPE_API_URL: stripe.url,
      EASYPOST_API_URL: easypost.url,
      SHIPPO_API_URL: shippo.url,
      SHOPIFY_API_URL: shopify.url,
    },
    stop: async () => {
      await Promise.all([stripe.stop(), easypost.stop(), shippo.stop(), shopify.stop()]);
    },
  };
}
