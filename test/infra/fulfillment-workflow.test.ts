import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import {
  DEFINITION_FILE,
  FulfillmentWorkflow,
  TASK_PLACEHOLDERS,
  type TaskFunctionName,
} from '../../infra/constructs/fulfillment-workflow.js';

/** The workflow alone, with inline stand-ins for the task functions (no bundling). */
function workflowWith(definitionFile: string): () => FulfillmentWorkflow {
  return () => {
    const stack = new Stack(new App(), 'Test');
    const tasks = {} as Record<TaskFunctionName, lambda.IFunction>;
    for (const name of Object.values(TASK_PLACEHOLDERS)) {
      tasks[name] = new lambda.Function(stack, name, {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({})'),
      });
    }
    return new FulfillmentWorkflow(stack, 'Fulfillment', {
      tasks,
      logRetention: RetentionDays.ONE_DAY,
      definitionFile,
    });
  };
}

describe('FulfillmentWorkflow', () => {
  it('binds the repository definition', () => {
    expect(workflowWith(DEFINITION_FILE)).not.toThrow();
  });

  it('refuses to synthesize a definition with a placeholder nothing binds', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'orderflow-asl-')), 'statemachine.asl.json');
    const definition = readFileSync(DEFINITION_FILE, 'utf8').replace(
      '${ReleaseDlqUrl}',
      '${ReleaseDlqUrl}${CarrierApiUrl}',
    );
    writeFileSync(file, definition);

    expect(workflowWith(file)).toThrow(/placeholders nothing binds: CarrierApiUrl/);
  });
});
