import type { FunctionName } from './bundling.js';

/**
 * The memory (MB) the stack gives each function: also what the bench prices a function's GB-seconds at.
 * The API parses and signs requests, lists and exports: more memory is also more CPU on Lambda.
 */
export const FUNCTION_MEMORY_MB: Record<FunctionName, number> = {
  api: 512,
  'verify-payment': 256,
  'reserve-stock': 256,
  'await-payment': 256,
  'await-release': 256,
  'release-order': 256,
  'generate-label': 256,
  'await-delivery': 256,
  'poll-delivery': 256,
  'mark-status': 256,
  'delivery-sweeper': 256,
  'publish-events': 256,
  'queue-webhooks': 256,
  'deliver-webhooks': 256,
  'sync-shopify': 256,
};
