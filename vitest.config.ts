import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'],
          environment: 'node',
          env: {
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'unit',
            AWS_SECRET_ACCESS_KEY: 'unit',
            ORDERS_TABLE: 'orders-unit',
            STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:orderflow',
            POWERTOOLS_LOG_LEVEL: 'ERROR',
            POWERTOOLS_METRICS_DISABLED: 'true',
            // As on the dev stage and in the local runtime; tests of the refusal unset it.
            ALLOW_SANDBOX_PROVIDERS: 'true',
          },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/workflow/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/table-per-file.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The seller console in Debian's Chromium against a runtime each file starts: one file at a time,
        // as each runs a whole runtime and a browser.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Drills that load the machine (hundreds of orders, SIGKILLs, fault injection): one file at a time,
        // so one drill's load cannot time out another, and limits longer than the longest wait inside a
        // test (a drill's own deadline, up to 240 s to settle, must be what reports a stuck order).
        test: {
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/table-per-file.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 900_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
