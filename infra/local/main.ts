/**
 * `npm start`: all of orderflow on this machine. Data lives in .data/ (ORDERFLOW_DATA_DIR); stop with
 * Ctrl-C. Killing it outright loses nothing: on the next start every unfinished order carries on.
 */
import { loadLocalConfig } from './config.js';
import { presentLogs } from './presenter.js';
import { startRuntime } from './runtime.js';
import { LOCAL_SELLERS } from './seed.js';

const config = loadLocalConfig();
presentLogs();

let runtime: Awaited<ReturnType<typeof startRuntime>>;
try {
  runtime = await startRuntime(config);
} catch (error) {
  console.error(`orderflow could not start: ${(error as Error).message}`);
  process.exit(1);
}

const curl = [
  `BODY='{"externalOrderId":"1001","customer":{"name":"Ada Lovelace","email":"ada@example.com"},"shippingAddress":{"name":"Ada Lovelace","line1":"1 Main St","city":"Springfield","region":"IL","postalCode":"62701","country":"US"},"items":[{"sku":"MUG-RED","productId":"p-1","name":"Red mug","quantity":2,"unitPrice":"12.50"}],"currency":"USD","payment":{"provider":"sandbox","reference":"pay_123","amount":"25.00"},"shippingMethod":"standard"}'`,
  `T=$(date +%s); SIG=$(printf '%s.%s' "$T" "$BODY" | openssl dgst -sha256 -hmac demo-webhook-secret | sed 's/^.* //')`,
  `curl -s ${runtime.url}/webhooks/orders/demo -H 'content-type: application/json' -H "x-orderflow-signature: t=$T,v1=$SIG" -d "$BODY"`,
].join('\n');

console.log(`
orderflow is running at ${runtime.url}   (data in ${config.dataDir}${runtime.seeded ? ', seeded just now' : ''})
  time runs ${config.timeScale}x faster than real time (ORDERFLOW_TIME_SCALE; 1 = real time)
  Step Functions API ${runtime.stepFunctions.endpoint}, DynamoDB Local ${runtime.dynamo.endpoint}, SQS ${runtime.sqs.endpoint}
  provider stand-ins (README, Providers): ${Object.entries(runtime.standIns.env)
    .map(([name, url]) => `${name}=${url}`)
    .join(' ')}

sellers:
${LOCAL_SELLERS.map((s) => `  ${s.sellerId.padEnd(5)} API key ${s.apiKey.padEnd(13)} webhook secret ${s.webhookSecret}  (origin ${s.originCountry})`).join('\n')}

send a signed webhook:
${curl}

then follow it:  curl -s ${runtime.url}/orders/<orderId> -H 'authorization: Bearer demo-api-key'
or run a mix of orders:  npm run demo
`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping; unfinished orders carry on at the next start.`);
  await runtime.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
