import { startStripeStandIn, type StripeStandIn } from './stripe.js';

/**
 * The providers' stand-ins the local runtime serves, each at the base URL its adapter is configured with,
 * so the adapters run exactly the code they run against the real APIs on AWS.
 */
export interface StandIns {
  stripe: StripeStandIn;
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
  const stripe = await startStripeStandIn({ port: portFrom('ORDERFLOW_STRIPE_PORT') });
  return {
    stripe,
    env: { STRIPE_API_URL: stripe.url },
    stop: async () => {
      await stripe.stop();
    },
  };
}
