/**
 * How every Lambda is bundled. Shared by the CDK construct and by `npm run bench`, so the sizes the bench
 * reports are the sizes that deploy.
 */
export const FUNCTION_NAMES = [
  'api',
  'verify-payment',
  'reserve-stock',
  'await-payment',
  'await-release',
  'release-order',
  'generate-label',
  'await-delivery',
  'poll-delivery',
  'mark-status',
  'delivery-sweeper',
  'publish-events',
  'queue-webhooks',
  'deliver-webhooks',
  'sync-shopify',
] as const;

export type FunctionName = (typeof FUNCTION_NAMES)[number];

export const functionEntry = (name: FunctionName): string => `functions/${name}/handler.ts`;

export const ESBUILD = {
  /** Matches the Lambda runtime (nodejs24.x). */
  target: 'node24',
  platform: 'node',
  format: 'esm',
  minify: true,
  sourcemap: true,
  /** Stack traces need the mappings, not a copy of every source file: keeps the map (and the zip) small. */
  sourcesContent: false,
  /**
   * The Node.js runtimes from 18 on ship AWS SDK v3, so the bundle leaves it out: it would add about
   * 600 KB to every function (measured with the bench).
   */
  external: ['@aws-sdk/*'],
} as const;
