import middy from '@middy/core';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { publishMetrics } from '../../functions/shared/logger.js';
import { lambdaContext } from '../support/http.js';

describe('publishMetrics', () => {
  let stdout: MockInstance;
  let stderr: MockInstance;
  const lines = (spy: MockInstance) => spy.mock.calls.map((call) => String(call[0]));

  beforeEach(() => {
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  // The unit tests' environment disables metrics; these need them on.
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  const metrics = new Metrics({ namespace: 'orderflow', serviceName: 'orderflow' });
  const handler = middy<{ record: boolean; fail?: boolean }, string>()
    .use(publishMetrics(metrics))
    .handler(async ({ record, fail }) => {
      if (record) metrics.addMetric('OrdersReceived', 'Count', 1);
      if (fail) throw new Error('boom');
      return 'ok';
    });

  it('writes one EMF line for an invocation that recorded metrics', async () => {
    await handler({ record: true }, lambdaContext());

    const emf = lines(stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      OrdersReceived: 1,
      _aws: { CloudWatchMetrics: [{ Namespace: 'orderflow' }] },
    });
  });

  it('writes nothing, not even a warning, for an invocation that recorded none', async () => {
    await handler({ record: false }, lambdaContext());

    expect([...lines(stdout), ...lines(stderr)]).toEqual([]);
  });

  it('still publishes what a failing invocation recorded', async () => {
    await expect(handler({ record: true, fail: true }, lambdaContext())).rejects.toThrow('boom');

    expect(lines(stdout).filter((line) => line.includes('"OrdersReceived":1'))).toHaveLength(1);
  });
});
