import type { Context } from 'aws-lambda';
import { lambdaContext as localContext } from '../../infra/local/lambda-context.js';

/** A Lambda context as the runtime passes it, for calling handlers directly. */
export const lambdaContext = (functionName = 'orderflow-test'): Context =>
  localContext(functionName, Date.now() + 30_000);
