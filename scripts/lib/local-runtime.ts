/**
 * The admin commands' `--local`: what `npm start` runs on, for whatever the caller has not set. Its modules
 * are imported only when asked for (they load the emulators'), and before any function code, whose SDK
 * clients read the endpoints.
 */
export async function useLocalRuntime(): Promise<void> {
  const { loadLocalConfig } = await import('../../infra/local/config.js');
  const { LOCAL_CREDENTIALS, LOCAL_REGION } = await import('../../infra/local/services.js');
  const { orderflowStateMachineArn } = await import('../../infra/local/stepfunctions/orderflow.js');
  const config = loadLocalConfig();
  const local: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${config.dynamoDbPort}`,
    AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${config.sqsPort}`,
    AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${config.stepFunctionsPort}`,
    ORDERS_TABLE: config.tableName,
    STATE_MACHINE_ARN: orderflowStateMachineArn(LOCAL_REGION),
    // The emulator finds a queue by the name at the end of its URL.
    RELEASE_DLQ_URL: `http://127.0.0.1:${config.sqsPort}/000000000000/${config.releaseDlqName}`,
  };
  for (const [name, value] of Object.entries(local)) process.env[name] ??= value;
  delete process.env.AWS_PROFILE;
}
