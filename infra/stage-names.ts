/** The stages the stack deploys (infra/stages.ts); apart, so the local runtime reads them without the CDK. */
export const STAGE_NAMES = ['dev', 'prod'] as const;
export type StageName = (typeof STAGE_NAMES)[number];
