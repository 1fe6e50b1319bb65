import { Duration, Fn, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteKind, Throttle } from '../throttles.js';

/** A route of the api function's router, and which callers it serves. */
export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** With `{name}` path parameters, as API Gateway writes them. */
  readonly path: string;
  readonly kind: RouteKind;
}

export interface CustomDomain {
  readonly domainName: string;
  /** An ACM certificate for the domain, in the stack's region. */
  readonly certificateArn: string;
}

export interface OrdersApiProps {
  readonly handler: IFunction;
  readonly logRetention: logs.RetentionDays;
  readonly routes: readonly ApiRoute[];
  /** Per kind of route; `public` also throttles the `$default` route (paths no route matches). */
  readonly throttles: Readonly<Record<RouteKind, Throttle>>;
  /** Served on this domain only: the execute-api endpoint is disabled. */
  readonly customDomain?: CustomDomain;
}

/** Where the 429s API Gateway answers are counted (from the access log: it publishes no metric of them). */
export const API_THROTTLED_METRIC = { namespace: 'orderflow/api', metricName: 'ThrottledRequests' } as const;

/** One JSON line per request; the fields an on-call engineer filters by. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    method: '$context.httpMethod',
    path: '$context.path',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    userAgent: '$context.identity.userAgent',
  }),
);

const routeKey = (route: ApiRoute): string => `${route.method} ${route.path}`;

/**
 * The HTTP API: every request goes to the api function, whose router owns the contract. Each of the
 * router's routes is also a route here, so each can have its own throttle: webhooks, the seller API and
 * the public routes use up separate limits. Paths no route matches reach the function through `$default`
 * (it answers them 404 or 405, as the contract says), on the public limit. JSON access logs.
 */
export class OrdersApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  readonly domainName?: apigw.DomainName;
  private readonly customDomain?: CustomDomain;

  constructor(scope: Construct, id: string, props: OrdersApiProps) {
    super(scope, id);
    this.customDomain = props.customDomain;
    // One integration (and one invoke permission) shared by every route.
    const integration = new HttpLambdaIntegration('Api', props.handler);
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'orderflow: storefront webhooks and the seller API',
      defaultIntegration: integration,
      createDefaultStage: false,
      disableExecuteApiEndpoint: props.customDomain !== undefined,
    });
    const routes = props.routes.flatMap((route) =>
      this.httpApi.addRoutes({ path: route.path, methods: [apigw.HttpMethod[route.method]], integration }),
    );
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    if (props.customDomain) {
      this.domainName = new apigw.DomainName(this, 'Domain', {
        domainName: props.customDomain.domainName,
        certificate: acm.Certificate.fromCertificateArn(
          this,
          'Certificate',
          props.customDomain.certificateArn,
        ),
      });
    }
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttles.public,
      domainMapping: this.domainName ? { domainName: this.domainName } : undefined,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });
    // Untyped JSON in CloudFormation's schema, so written as the template spells it.
    (this.stage.node.defaultChild as apigw.CfnStage).routeSettings = Object.fromEntries(
      props.routes.map((route) => [
        routeKey(route),
        {
          ThrottlingRateLimit: props.throttles[route.kind].rateLimit,
          ThrottlingBurstLimit: props.throttles[route.kind].burstLimit,
        },
      ]),
    );
    // A route's settings are refused while the route does not exist yet.
    for (const route of routes) this.stage.node.addDependency(route);
    new logs.MetricFilter(this, 'Throttled', {
      logGroup: this.accessLogs,
      metricNamespace: API_THROTTLED_METRIC.namespace,
      metricName: API_THROTTLED_METRIC.metricName,
      filterPattern: logs.FilterPattern.stringValue('$.status', '=', '429'),
      metricValue: '1',
    });
    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The api function authenticates every request itself: webhooks by HMAC-SHA256 of the raw body with ' +
        "the seller's secret (an authorizer never sees the body), the seller API by a bearer key checked " +
        'against its stored hash. GET /health is public by design.',
    });
  }

  /** Requests API Gateway answered 429 (over a route's throttle), counted from the access log. */
  metricThrottled(): cw.Metric {
    return new cw.Metric({
      ...API_THROTTLED_METRIC,
      statistic: 'Sum',
      period: Duration.minutes(5),
      label: '429 (throttled)',
    });
  }

  /** The host name a proxy in front (CloudFront) sends the API's requests to. */
  get originDomainName(): string {
    // apiEndpoint is https://<id>.execute-api.<region>.<suffix>; disabled when there is a custom domain.
    return this.customDomain?.domainName ?? Fn.select(2, Fn.split('/', this.httpApi.apiEndpoint));
  }

  /** The base URL clients use: the custom domain's when there is one. */
  get url(): string {
    return this.customDomain ? `https://${this.customDomain.domainName}/` : this.stage.url;
  }
}
