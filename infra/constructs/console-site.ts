import { spawnSync } from 'node:child_process';
import {
  AssetHashType,
  DockerImage,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
  type ILocalBundling,
} from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { CONSOLE_SOURCE } from '../../console/build.js';
import { CONSOLE_PATH, CONSOLE_SECURITY_HEADERS } from '../console-headers.js';
import { PROJECT_ROOT } from '../paths.js';
import type { CustomDomain } from './orders-api.js';

export interface ConsoleSiteProps {
  /** The API's domain (its custom domain, or the execute-api one): the distribution's default origin. */
  readonly apiDomainName: string;
  readonly logRetention: logs.RetentionDays;
  /** Serves the distribution on this domain; CloudFront needs the certificate in us-east-1. */
  readonly customDomain?: CustomDomain;
}

/** The console's files in the bucket, under the path they are served at. */
const KEY_PREFIX = `${CONSOLE_PATH.slice(1)}/`;
/** The page: it names the hashed script it loads, so it is the one file a deployment must refresh at once. */
const PAGE = 'index.html';

/**
 * Runs `buildConsole` (console/build.ts) into CDK's bundling folder, in a child process: asset bundling is
 * synchronous and esbuild's build is not. Throws rather than return false, so CDK never falls back to Docker.
 */
const buildConsoleLocally: ILocalBundling = {
  tryBundle(outputDir: string): boolean {
    const build = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '--eval',
        "const { buildConsole } = await import('./console/build.ts'); await buildConsole(process.argv[1]);",
        outputDir,
      ],
      { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    if (build.status !== 0) {
      throw new Error(`the console build failed: ${build.error?.message ?? build.stderr}`);
    }
    return true;
  },
};

/**
 * The seller console on AWS: its built files in a private bucket, served by a CloudFront distribution at
 * /console through an origin access control, and the API behind the same distribution (every other path),
 * so the console's session cookie (SameSite=Strict) and its API calls stay on one origin and no CORS is
 * needed. The files are built during synthesis, as the functions are bundled, and skipped with them.
 */
export class ConsoleSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly responseHeaders: cloudfront.ResponseHeadersPolicy;
  /** The role of BucketDeployment's handler, which copies the files (a Lambda that is not orderflow's). */
  readonly deploymentRole: iam.Role;
  private readonly customDomain?: CustomDomain;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    this.customDomain = props.customDomain;
    this.bucket = new s3.Bucket(this, 'Files', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // The files are built from the repository; the deployment removes them when the stack is deleted.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.responseHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'orderflow console: the same headers the local gateway sends, and HSTS',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: CONSOLE_SECURITY_HEADERS['content-security-policy'],
          override: true,
        },
        contentTypeOptions: { override: true },
        referrerPolicy: {
          referrerPolicy: CONSOLE_SECURITY_HEADERS['referrer-policy'] as cloudfront.HeadersReferrerPolicy,
          override: true,
        },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
      },
    });
    // The API's answers keep the headers the api function sets; HSTS and nosniff are added. No CSP: it
    // would govern the PDFs and CSV files the API serves, which the browser's viewers render.
    const apiHeaders = new cloudfront.ResponseHeadersPolicy(this, 'ApiHeaders', {
      comment: 'orderflow API behind the console distribution: HSTS and nosniff',
      securityHeadersBehavior: {
        contentTypeOptions: { override: false },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: false,
        },
      },
    });

    // S3 answers only exact keys: /console and /console/ are the page.
    const pageIndex = new cloudfront.Function(this, 'PageIndex', {
      comment: 'serves the console page at /console and /console/',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        `function handler(event) {
  var request = event.request;
  if (request.uri === '${CONSOLE_PATH}' || request.uri === '${CONSOLE_PATH}/') request.uri = '${CONSOLE_PATH}/${PAGE}';
  return request;
}`,
      ),
    });
    const files: cloudfront.BehaviorOptions = {
      origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: this.responseHeaders,
      functionAssociations: [{ function: pageIndex, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
    };

    const certificate = props.customDomain
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn)
      : undefined;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'orderflow: the seller console and, on the same origin, the API',
      domainNames: props.customDomain ? [props.customDomain.domainName] : undefined,
      certificate,
      // The default certificate's policy is fixed (TLSv1); CloudFront ignores a minimum without a certificate.
      minimumProtocolVersion: certificate ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // Every path the console does not own is the API's: routes added to the router need no change here.
      defaultBehavior: {
        origin: new origins.HttpOrigin(props.apiDomainName, {
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        }),
        // POSTs must not be redirected (a redirect drops the body): plain HTTP is refused.
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        // Cookies (the session), every header but Host (Authorization, X-CSRF-Token, signatures,
        // Idempotency-Key) and query strings. API Gateway routes on its own Host, so that one is not sent.
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: apiHeaders,
      },
      additionalBehaviors: { [CONSOLE_PATH]: files, [`${CONSOLE_PATH}/*`]: files },
    });

    const logGroup = new logs.LogGroup(this, 'DeploymentLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): its own group only.
    const role = (this.deploymentRole = new iam.Role(this, 'DeploymentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'orderflow console files deployment',
    }));
    logGroup.grantWrite(role);
    const built = s3deploy.Source.asset(CONSOLE_SOURCE, {
      // Named by what was built: the bundle also takes code from outside console/ (preact, functions/shared),
      // so a hash of the folder could keep a stale build in cdk.out.
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // Never pulled: the local build throws instead of falling back to Docker.
        image: DockerImage.fromRegistry('node:24-alpine'),
        local: buildConsoleLocally,
      },
    });
    const deployment = {
      sources: [built],
      destinationBucket: this.bucket,
      destinationKeyPrefix: KEY_PREFIX,
      role,
      logGroup,
      memoryLimit: 256,
    };
    // Scripts first, never pruned: a browser still holding the previous page can load its script.
    const scripts = new s3deploy.BucketDeployment(this, 'Scripts', {
      ...deployment,
      exclude: [PAGE],
      prune: false,
      cacheControl: [s3deploy.CacheControl.fromString('public, max-age=31536000, immutable')],
      // Deleting the stack empties the console's folder (every script ever deployed), so the bucket goes.
      retainOnDelete: false,
    });
    const page = new s3deploy.BucketDeployment(this, 'Page', {
      ...deployment,
      exclude: ['*'],
      include: [PAGE],
      cacheControl: [s3deploy.CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: [CONSOLE_PATH, `${CONSOLE_PATH}/`, `${CONSOLE_PATH}/${PAGE}`],
    });
    page.node.addDependency(scripts);

    this.acknowledgeChecks(role, props.customDomain !== undefined);
  }

  /** The console's URL: on its domain when it has one. */
  get url(): string {
    const host = this.customDomain?.domainName ?? this.distribution.distributionDomainName;
    return `https://${host}${CONSOLE_PATH}/`;
  }

  private acknowledgeChecks(role: iam.Role, hasDomain: boolean): void {
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds only the built console (public JavaScript and one page), read by this distribution ' +
        'alone through its origin access control and written only by the deployment: access logs would ' +
        'record nothing but CloudFront fetching the same files.',
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'Sellers and storefronts sign in and send orders from any country: a geographic restriction would ' +
          'refuse customers by where they are, and the API authenticates every request itself.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'A web ACL has a fixed monthly cost and rules that depend on the storefronts traffic; infra/README.md ' +
          '(Load isolation, and WAF) says how to attach one to this distribution.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Every API request is logged by the API Gateway access log (JSON, with the route and status); the ' +
          'other requests fetch the static console files, whose CloudFront logs would need a bucket of their own.',
      },
    );
    if (!hasDomain) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without -c consoleDomainName the distribution serves *.cloudfront.net with the default certificate, ' +
          'whose TLS policy CloudFront fixes (TLSv1); with a domain the policy is TLSv1.2_2021.',
      });
    }
    const iam5 = (what: string, reason: string) =>
      Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${what}]`, reason });
    const copy =
      "BucketDeployment's own grant for copying the built files from the CDK asset bucket into this bucket " +
      'and pruning what a deployment replaced; ';
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
      iam5(
        `Action::${action}`,
        `${copy}limited to the asset bucket and this console bucket (grantRead/grantReadWrite).`,
      );
    }
    iam5(
      'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
      `${copy}the asset's object key is known only when CDK publishes it, so the grant names the asset bucket.`,
    );
    iam5(
      `Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*`,
      `${copy}every object of this console bucket, which holds nothing but the console's files.`,
    );
    iam5(
      'Resource::*',
      'cloudfront:CreateInvalidation and cloudfront:GetInvalidation, which BucketDeployment grants on * so the ' +
        'new page is served at once; the handler invalidates only this distribution, whose id it is given.',
    );
    // The deployment's handler is a singleton at the stack's root, shared by both deployments.
    const handler = Stack.of(this).node.children.find((child) =>
      child.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    if (handler) {
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          "BucketDeployment's handler (Python, with the AWS CLI layer) runs the runtime aws-cdk-lib pins for it " +
          'and tests with; it cannot be chosen. It runs only during deployments, never on a request.',
      });
    }
  }
}
