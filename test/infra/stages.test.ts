import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES } from '../../infra/bundling.js';
import { OrderflowStack, type OrderflowStackProps } from '../../infra/orderflow-stack.js';
import { PROJECT_ROOT } from '../../infra/paths.js';

type Json = Record<string, unknown>;

/** The stack as `cdk synth -c stage=...` builds it, without bundling: these tests read configuration only. */
function synth(id: string, props: OrderflowStackProps): { stack: OrderflowStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new OrderflowStack(app, id, props);
  return { stack, template: Template.fromStack(stack) };
}

const ALARM_TOPIC = 'arn:aws:sns:eu-central-1:123456789012:pager';

describe('the prod stage', () => {
  let stack: OrderflowStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = synth('Orderflow-prod', { stage: 'prod', alarmTopicArn: ALARM_TOPIC }));
  }, 60_000);

  it('refuses to synthesize when nobody is subscribed to its alarms, and says what to pass', () => {
    expect(() => synth('Orderflow-prod', { stage: 'prod' })).toThrow(
      /Orderflow-prod: .*nobody is subscribed to its alarms\. Pass -c alarmEmail=.* or -c alarmTopicArn=/,
    );
    expect(() => synth('Orderflow-prod', { stage: 'prod', alarmEmail: 'oncall@example.com' })).not.toThrow();
    // Two syntheses of the whole stack: seconds each on a busy machine, like the one in beforeAll.
  }, 60_000);

  it('logs at INFO, keeps logs three months and refuses the sandbox providers', () => {
    // orderflow's own, not the handler that copies the console's files.
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn) =>
        JSON.stringify((fn.Properties as Json).Role) !==
        JSON.stringify(stack.resolve(stack.console.deploymentRole.roleArn)),
    );
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));

    expect(functions).toHaveLength(FUNCTION_NAMES.length);
    for (const fn of functions) {
      expect((fn.Properties as Json).Environment).toMatchObject({
        Variables: { POWERTOOLS_LOG_LEVEL: 'INFO', ALLOW_SANDBOX_PROVIDERS: 'false' },
      });
    }
    for (const group of logGroups) expect((group.Properties as Json).RetentionInDays).toBe(90);
  });

  it('has higher limits than dev on every kind of route, webhooks below the seller API', () => {
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!.Properties as Json;
    const settings = stage.RouteSettings as Record<string, { ThrottlingRateLimit: number }>;

    expect(settings['POST /webhooks/shopify/{sellerId}']?.ThrottlingRateLimit).toBe(200);
    expect(settings['POST /orders']?.ThrottlingRateLimit).toBe(500);
    expect(stage.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 });
  });

  it('sets aside more concurrency for the api and reserve-stock, the sweeper still alone', () => {
    const reserved = (name: 'api' | 'reserve-stock' | 'delivery-sweeper') =>
      (
        template.toJSON().Resources[
          stack.getLogicalId(stack.functions[name].handler.node.defaultChild as never)
        ] as { Properties: Json }
      ).Properties.ReservedConcurrentExecutions;

    expect([reserved('api'), reserved('reserve-stock'), reserved('delivery-sweeper')]).toEqual([100, 10, 1]);
  });

  it('sends every alarm and OK to the given topic as well as its own', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));

    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect((alarm.Properties as Json).AlarmActions).toContainEqual(ALARM_TOPIC);
      expect((alarm.Properties as Json).OKActions).toContainEqual(ALARM_TOPIC);
    }
  });
});

describe('a custom domain', () => {
  it('serves the API on the domain only: the execute-api endpoint is disabled', () => {
    const certificateArn = 'arn:aws:acm:eu-central-1:123456789012:certificate/abc';
    const { template } = synth('Orderflow-dev', {
      customDomain: { domainName: 'api.example.com', certificateArn },
    });

    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'api.example.com',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: certificateArn })],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { Stage: Match.anyValue() });
    template.hasOutput('ApiUrl', { Value: 'https://api.example.com/' });
    template.hasOutput('ApiDomainTarget', {});
  }, 60_000);
});

describe('cdk synth', () => {
  it('-c stage=prod without an alarm subscription fails with a message that says what to pass', () => {
    const out = mkdtempSync(join(tmpdir(), 'orderflow-prod-synth-'));

    const cdk = spawnSync(
      join(PROJECT_ROOT, 'node_modules/.bin/cdk'),
      ['synth', '--quiet', '-c', 'stage=prod', '--output', out],
      { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 90_000 },
    );

    expect(cdk.status).not.toBe(0);
    expect(cdk.stderr).toContain(
      'orderflow: Orderflow-prod: the prod stage pages someone when it breaks, and nobody is subscribed to its alarms.',
    );
    expect(cdk.stderr).toContain('-c alarmEmail=');
    // The message alone: a usage error is not a crash.
    expect(cdk.stderr).not.toMatch(/^\s+at /m);
  }, 90_000);

  it('-c stage=staging (a stage that does not exist) fails and lists the stages', () => {
    const cdk = spawnSync(
      join(PROJECT_ROOT, 'node_modules/.bin/cdk'),
      [
        'synth',
        '--quiet',
        '-c',
        'stage=staging',
        '--output',
        mkdtempSync(join(tmpdir(), 'orderflow-synth-')),
      ],
      { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 90_000 },
    );

    expect(cdk.status).not.toBe(0);
    expect(cdk.stderr).toContain('unknown stage "staging": use -c stage=dev|prod');
  }, 90_000);
});
