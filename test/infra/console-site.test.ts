import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../console/build.js';
import { ConsoleSite } from '../../infra/constructs/console-site.js';
import { serveConsole } from '../../infra/local/console-files.js';
import { OrderflowStack, type OrderflowStackProps } from '../../infra/orderflow-stack.js';
import { StageConfigurationError } from '../../infra/stages.js';

type Json = Record<string, unknown>;
type Behavior = Json & { PathPattern?: string };

/** AWS's managed policies, by the ids CloudFront documents for them. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

/** The stack as `cdk synth` builds it, without bundling: these tests read its configuration. */
function synth(props: OrderflowStackProps = {}): { stack: OrderflowStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new OrderflowStack(app, 'Orderflow', props);
  return { stack, template: Template.fromStack(stack) };
}

function only(
  template: Template,
  type: string,
  which?: (properties: Json, id: string) => boolean,
): [string, Json] {
  const found = Object.entries(template.findResources(type)).filter(
    ([id, resource]) => !which || which(resource.Properties as Json, id),
  );
  expect(found, type).toHaveLength(1);
  return [found[0]![0], found[0]![1].Properties as Json];
}

/** The console's bucket (the stack has the label bucket too). */
const consoleBucketId = () => stack.getLogicalId(stack.console.bucket.node.defaultChild as CfnElement);

let stack: OrderflowStack;
let template: Template;
let distribution: Json & { DefaultCacheBehavior: Behavior; CacheBehaviors: Behavior[]; Origins: Json[] };
beforeAll(() => {
  ({ stack, template } = synth());
  distribution = only(template, 'AWS::CloudFront::Distribution')[1].DistributionConfig as typeof distribution;
}, 120_000);

const resolved = (value: unknown): string => JSON.stringify(stack.resolve(value));
const originOf = (behavior: Behavior): Json =>
  distribution.Origins.find((origin) => origin.Id === behavior.TargetOriginId)!;
const behaviorFor = (pattern: string): Behavior =>
  distribution.CacheBehaviors.find((behavior) => behavior.PathPattern === pattern)!;

describe('the console files bucket', () => {
  it('is private, encrypted, HTTPS only and no website', () => {
    const [, bucket] = only(template, 'AWS::S3::Bucket', (_, id) => id === consoleBucketId());

    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket.WebsiteConfiguration).toBeUndefined();
    expect(bucket.AccessControl).toBeUndefined();
  });

  it('lets only this distribution read it (AWS:SourceArn), and refuses plain HTTP', () => {
    const [, policy] = only(
      template,
      'AWS::S3::BucketPolicy',
      (properties) => JSON.stringify(properties.Bucket) === JSON.stringify({ Ref: consoleBucketId() }),
    );
    const statements = (policy.PolicyDocument as { Statement: Json[] }).Statement;
    const allows = statements.filter((statement) => statement.Effect === 'Allow');

    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
      Condition: { StringEquals: { 'AWS:SourceArn': expect.anything() } },
    });
    const sourceArn = resolved((allows[0]!.Condition as Json).StringEquals);
    expect(sourceArn).toContain(':distribution/');
    expect(sourceArn).toContain(resolved(stack.console.distribution.distributionId));
    expect(statements.filter((statement) => statement.Effect === 'Deny')).toEqual([
      expect.objectContaining({ Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });

  it('is read through an origin access control that signs every request, not an origin access identity', () => {
    const [oacId, oac] = only(template, 'AWS::CloudFront::OriginAccessControl');
    const origin = originOf(behaviorFor('/console/*'));

    expect(oac.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    expect(origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oacId, 'Id'] });
    expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(resolved(origin.DomainName)).toContain(
      stack.getLogicalId(stack.console.bucket.node.defaultChild as never),
    );
    template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
  });
});

describe('the distribution', () => {
  it('sends every path but /console to the API, uncached, with every method, cookie, header and query string', () => {
    const api = distribution.DefaultCacheBehavior;

    expect(api.CachePolicyId).toBe(CACHING_DISABLED);
    // Forwards the session cookie, X-CSRF-Token, Authorization, signatures and query strings; not Host.
    expect(api.OriginRequestPolicyId).toBe(ALL_VIEWER_EXCEPT_HOST_HEADER);
    expect(api.AllowedMethods).toEqual(
      expect.arrayContaining(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']),
    );
    expect(api.ViewerProtocolPolicy).toBe('https-only');
    expect(originOf(api)).toMatchObject({
      DomainName: { 'Fn::Select': [2, { 'Fn::Split': ['/', stack.resolve(stack.api.httpApi.apiEndpoint)] }] },
      CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
    });
  });

  it('serves the console from the bucket at /console and under it, GET and HEAD only, with its headers', () => {
    for (const pattern of ['/console', '/console/*']) {
      const behavior = behaviorFor(pattern);

      expect(behavior.AllowedMethods, pattern).toEqual(['GET', 'HEAD']);
      expect(behavior.ViewerProtocolPolicy, pattern).toBe('redirect-to-https');
      expect(behavior.ResponseHeadersPolicyId, pattern).toEqual({
        Ref: stack.getLogicalId(stack.console.responseHeaders.node.defaultChild as never),
      });
      expect(originOf(behavior).S3OriginConfig, pattern).toBeDefined();
    }
    expect(distribution.CacheBehaviors).toHaveLength(2);
  });

  it("answers /console and /console/ with the page (S3 knows only the file's own key)", () => {
    const [, fn] = only(template, 'AWS::CloudFront::Function');
    const handler = new Function(`${fn.FunctionCode as string}; return handler;`)() as (event: {
      request: { uri: string };
    }) => { uri: string };

    expect(handler({ request: { uri: '/console' } }).uri).toBe('/console/index.html');
    expect(handler({ request: { uri: '/console/' } }).uri).toBe('/console/index.html');
    expect(handler({ request: { uri: '/console/app-ABC123.js' } }).uri).toBe('/console/app-ABC123.js');
    for (const pattern of ['/console', '/console/*']) {
      expect(behaviorFor(pattern).FunctionAssociations, pattern).toEqual([
        expect.objectContaining({ EventType: 'viewer-request' }),
      ]);
    }
  });

  it('sends a CSP of this origin only, no framing, nosniff and HSTS with the console', () => {
    const policy = template.toJSON().Resources[
      stack.getLogicalId(stack.console.responseHeaders.node.defaultChild as never)
    ].Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig as Json;
    const csp = (policy.ContentSecurityPolicy as { ContentSecurityPolicy: string }).ContentSecurityPolicy;
    const directives = new Map(
      csp.split(';').map((directive) => {
        const [name, ...sources] = directive.trim().split(/\s+/);
        return [name!, sources];
      }),
    );

    for (const name of ['default-src', 'script-src', 'connect-src'])
      expect(directives.get(name)).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    // No other host anywhere: every source is this origin, a keyword or inline data.
    for (const sources of directives.values()) {
      for (const source of sources) expect(source).toMatch(/^('self'|'none'|'unsafe-inline'|data:)$/);
    }
    expect(policy.ContentTypeOptions).toEqual({ Override: true });
    expect(policy.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    expect(policy.StrictTransportSecurity).toMatchObject({ IncludeSubdomains: true, Override: true });
    expect(
      (policy.StrictTransportSecurity as { AccessControlMaxAgeSec: number }).AccessControlMaxAgeSec,
    ).toBeGreaterThanOrEqual(365 * 24 * 3600);
  });

  it('sends the same CSP as the local gateway (npm start), so the console meets one policy in both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orderflow-console-'));
    await buildConsole(dir);
    const headers: Record<string, string> = {};
    const response = {
      writeHead(_status: number, given: Record<string, string>) {
        Object.assign(headers, given);
        return this;
      },
      end() {
        return this;
      },
    } as unknown as ServerResponse;
    await serveConsole(dir, 'GET', '/console/', response);
    const policy = template.toJSON().Resources[
      stack.getLogicalId(stack.console.responseHeaders.node.defaultChild as never)
    ].Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig as Json;

    expect(headers['content-security-policy']).toBeDefined();
    expect((policy.ContentSecurityPolicy as Json).ContentSecurityPolicy).toBe(
      headers['content-security-policy'],
    );
    expect((policy.ReferrerPolicy as Json).ReferrerPolicy).toBe(headers['referrer-policy']);
  }, 60_000);

  it('puts the console URL in an output', () => {
    template.hasOutput('ConsoleUrl', {
      Value: {
        'Fn::Join': [
          '',
          ['https://', stack.resolve(stack.console.distribution.distributionDomainName), '/console/'],
        ],
      },
    });
  });
});

describe('the console files', () => {
  // A stack of the console alone, bundled: the build runs as `cdk synth` runs it.
  let site: ConsoleSite;
  let deployments: Json[];
  let assetDir: string;
  beforeAll(() => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'orderflow-console-synth-')) });
    const bare = new Stack(app, 'ConsoleOnly');
    site = new ConsoleSite(bare, 'Console', {
      apiDomainName: 'api.example.com',
      logRetention: RetentionDays.ONE_WEEK,
    });
    const assembly = app.synth();
    deployments = Object.values(Template.fromStack(bare).findResources('Custom::CDKBucketDeployment')).map(
      (resource) => resource.Properties as Json,
    );
    const keys = new Set(deployments.flatMap((deployment) => deployment.SourceObjectKeys as string[]));
    expect(keys.size).toBe(1);
    assetDir = join(assembly.directory, `asset.${[...keys][0]!.replace(/\.zip$/, '')}`);
  }, 120_000);

  it('are the built page and the script it loads, deployed under console/ where /console/* reads them', () => {
    const files = readdirSync(assetDir).sort();
    const page = readFileSync(join(assetDir, 'index.html'), 'utf8');
    const script = /<script type="module" src="\/console\/([^"]+)"/.exec(page)?.[1];

    expect(files).toContain('index.html');
    expect(script).toMatch(/^app-[A-Z0-9]+\.js$/);
    expect(existsSync(join(assetDir, script!))).toBe(true);
    for (const deployment of deployments) {
      expect(deployment.DestinationBucketKeyPrefix).toBe('console/');
      expect(deployment.DestinationBucketName).toEqual(Stack.of(site).resolve(site.bucket.bucketName));
    }
  });

  it('deploy the scripts (kept for pages still open) before the page, which is never cached and is invalidated', () => {
    const scripts = deployments.find((deployment) =>
      (deployment.Exclude as string[] | undefined)?.includes('index.html'),
    )!;
    const page = deployments.find((deployment) =>
      (deployment.Include as string[] | undefined)?.includes('index.html'),
    )!;

    expect(scripts).toMatchObject({
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
    expect(page).toMatchObject({ Exclude: ['*'], SystemMetadata: { 'cache-control': 'no-cache' } });
    expect(page.DistributionPaths).toEqual(
      expect.arrayContaining(['/console', '/console/', '/console/index.html']),
    );
    const resources = Template.fromStack(Stack.of(site)).toJSON().Resources as Record<
      string,
      { Properties?: Json; DependsOn?: string[] }
    >;
    const idOf = (properties: Json) =>
      Object.entries(resources).find(([, resource]) => resource.Properties === properties)?.[0];
    const byProperties = (wanted: Json) =>
      idOf(
        Object.values(resources).find((r) => JSON.stringify(r.Properties) === JSON.stringify(wanted))!
          .Properties!,
      );
    expect(resources[byProperties(page)!]!.DependsOn).toContain(byProperties(scripts));
  });
});

describe('a console domain', () => {
  it('serves the distribution on it, TLS 1.2 at least, and the output names it', () => {
    const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/console';
    const { template } = synth({ consoleDomain: { domainName: 'console.example.com', certificateArn } });

    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['console.example.com'],
        ViewerCertificate: {
          AcmCertificateArn: certificateArn,
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
      }),
    });
    template.hasOutput('ConsoleUrl', { Value: 'https://console.example.com/console/' });
    template.hasOutput('ConsoleDomainTarget', {});
  }, 60_000);

  it('is refused with a certificate outside us-east-1, which CloudFront cannot use', () => {
    expect(() =>
      synth({
        consoleDomain: {
          domainName: 'console.example.com',
          certificateArn: 'arn:aws:acm:eu-central-1:123456789012:certificate/console',
        },
      }),
    ).toThrow(StageConfigurationError);
  });

  it("sends the API's requests to the API's custom domain when it has one (execute-api is disabled)", () => {
    const certificateArn = 'arn:aws:acm:eu-central-1:123456789012:certificate/api';
    const { template } = synth({ customDomain: { domainName: 'api.example.com', certificateArn } });
    const config = only(template, 'AWS::CloudFront::Distribution')[1]
      .DistributionConfig as typeof distribution;
    const api = config.Origins.find((origin) => origin.Id === config.DefaultCacheBehavior.TargetOriginId)!;

    expect(api.DomainName).toBe('api.example.com');
  }, 60_000);
});
