import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OrderflowStack } from './orderflow-stack.js';

const app = new App();
new OrderflowStack(app, 'Orderflow', {
  description: 'orderflow: serverless order fulfillment (API, workflow, table, dashboard and alarms)',
  alarmEmail: app.node.tryGetContext('alarmEmail') as string | undefined,
});
// cdk-nag 3 is a policy-validation plugin: synth fails on any finding not acknowledged with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
