import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { STAGE_NAMES, type StageName } from './stage-names.js';
import { STAGE_THROTTLES, type RouteKind, type Throttle } from './throttles.js';

export type { RouteKind, Throttle } from './throttles.js';

export { STAGE_NAMES, type StageName } from './stage-names.js';

/** What differs between a stage's deployments; everything else (the code included) is the same. */
export interface StageConfig {
  readonly name: StageName;
  /** Per kind of route; `public` also covers paths no route matches (the API answers those 404). */
  readonly throttles: Readonly<Record<RouteKind, Throttle>>;
  /**
   * Lambda concurrency set aside for (and capping) the api function, and the cap on reserve-stock, whose
   * seller's stock items are a hot partition in a flash sale. The sweeper always runs alone (1).
   */
  readonly reservedConcurrency: { readonly api: number; readonly reserveStock: number };
  /** POWERTOOLS_LOG_LEVEL of every function. */
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly logRetention: RetentionDays;
  /** Whether the sandbox payment and carrier providers may serve orders (ALLOW_SANDBOX_PROVIDERS). */
  readonly allowSandboxProviders: boolean;
  /** A stage nobody is told about when it breaks is refused at synthesis. */
  readonly requiresAlarmSubscription: boolean;
}

export const STAGES: Readonly<Record<StageName, StageConfig>> = {
  dev: {
    name: 'dev',
    throttles: STAGE_THROTTLES.dev,
    reservedConcurrency: { api: 10, reserveStock: 2 },
    logLevel: 'DEBUG',
    logRetention: RetentionDays.ONE_WEEK,
    allowSandboxProviders: true,
    requiresAlarmSubscription: false,
  },
  prod: {
    name: 'prod',
    throttles: STAGE_THROTTLES.prod,
    reservedConcurrency: { api: 100, reserveStock: 10 },
    logLevel: 'INFO',
    logRetention: RetentionDays.THREE_MONTHS,
    allowSandboxProviders: false,
    requiresAlarmSubscription: true,
  },
};

/** A stage's deployment asked for something it cannot have: `cdk synth` prints the message alone. */
export class StageConfigurationError extends Error {
  override name = 'StageConfigurationError';
}

/** The stack deployed without `-c stage=...`, and the one the local runtime and the tests synthesize. */
export const DEFAULT_STAGE: StageName = 'dev';

export function stageConfig(name: string = DEFAULT_STAGE): StageConfig {
  if (!(STAGE_NAMES as readonly string[]).includes(name)) {
    throw new StageConfigurationError(`unknown stage "${name}": use -c stage=${STAGE_NAMES.join('|')}`);
  }
  return STAGES[name as StageName];
}
