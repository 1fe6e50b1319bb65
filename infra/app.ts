import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OrderflowStack } from './orderflow-stack.js';
import { DEFAULT_STAGE, StageConfigurationError, stageConfig } from './stages.js';

const app = new App();
const context = (name: string): string | undefined => {
  const value = app.node.tryGetContext(name) as unknown;
  return value === undefined || value === '' ? undefined : String(value);
};

try {
  // `cdk deploy -c stage=dev|prod`; without it, dev (the stage the local runtime and the tests synthesize).
  const stage = stageConfig(context('stage') ?? DEFAULT_STAGE);
  const domainName = context('domainName');
  const certificateArn = context('certificateArn');
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new StageConfigurationError(
      'a custom domain needs both -c domainName=api.example.com and -c certificateArn=arn:aws:acm:...',
    );
  }
  const consoleDomainName = context('consoleDomainName');
  const consoleCertificateArn = context('consoleCertificateArn');
  if ((consoleDomainName === undefined) !== (consoleCertificateArn === undefined)) {
    throw new StageConfigurationError(
      'a console domain needs both -c consoleDomainName=console.example.com and ' +
        '-c consoleCertificateArn=arn:aws:acm:us-east-1:...',
    );
  }
  new OrderflowStack(app, `Orderflow-${stage.name}`, {
    description: `orderflow (${stage.name}): serverless order fulfillment (API, workflow, table, seller console, dashboard and alarms)`,
    stage: stage.name,
    alarmEmail: context('alarmEmail'),
    alarmTopicArn: context('alarmTopicArn'),
    customDomain: domainName && certificateArn ? { domainName, certificateArn } : undefined,
    consoleDomain:
      consoleDomainName && consoleCertificateArn
        ? { domainName: consoleDomainName, certificateArn: consoleCertificateArn }
        : undefined,
  });
} catch (error) {
  if (!(error instanceof StageConfigurationError)) throw error;
  // A usage error, not a bug: the message says what to pass, a stack trace would only bury it.
  console.error(`orderflow: ${error.message}`);
  process.exit(1);
}
// cdk-nag 3 is a policy-validation plugin: synth fails on any finding not acknowledged with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
