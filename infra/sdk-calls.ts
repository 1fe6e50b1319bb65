import { join } from 'node:path';
import { build } from 'esbuild';
import { ESBUILD, functionEntry, type FunctionName } from './bundling.js';
import { PROJECT_ROOT } from './paths.js';

/** What a function's bundle can ask of AWS: each SDK command it imports, and the IAM actions it needs. */
export interface SdkCalls {
  /** `@aws-sdk/client-dynamodb#UpdateItemCommand`, `@aws-sdk/lib-dynamodb#BatchWriteCommand`... */
  commands: string[];
  /**
   * IAM actions, each of which the role must allow. A transaction is authorized per part, so
   * TransactWriteItems shows as `dynamodb:TransactWriteItems(parts)`: the role must allow the parts it
   * writes, which only the code's use (and the local runtime's enforcement) can tell.
   */
  actions: string[];
}

const SERVICES: Record<string, string> = {
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
  '@aws-sdk/client-sfn': 'states',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-eventbridge': 'events',
};

/** lib-dynamodb's document commands, by the DynamoDB operation each sends. */
const DOCUMENT_COMMANDS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
  Execute: 'PartiQLSelect',
  ExecuteStatement: 'PartiQLSelect',
};

function actionOf(module: string, command: string): string {
  const service = SERVICES[module];
  if (!service) throw new Error(`${module}: which IAM service it calls is not known; add it to SERVICES`);
  const operation =
    module === '@aws-sdk/lib-dynamodb'
      ? DOCUMENT_COMMANDS[command.replace(/Command$/, '')]
      : command.replace(/Command$/, '');
  if (!operation) throw new Error(`${module}#${command}: unknown document command`);
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems')
    return `dynamodb:${operation}(parts)`;
  // SQS authorizes a batch as the single action: DeleteMessageBatch needs sqs:DeleteMessage.
  if (service === 'sqs') return `sqs:${operation.replace(/Batch$/, '')}`;
  return `${service}:${operation}`;
}

/**
 * The function bundled as the stack bundles it (the SDK left out, as the Lambda runtime provides it, and
 * the code tree-shaken) but unminified, for reading what the deployed code can do.
 */
export async function readableBundle(name: FunctionName): Promise<string> {
  const result = await build({
    entryPoints: [join(PROJECT_ROOT, functionEntry(name))],
    bundle: true,
    write: false,
    outfile: 'index.mjs',
    platform: ESBUILD.platform,
    target: ESBUILD.target,
    format: ESBUILD.format,
    minify: false,
    external: [...ESBUILD.external],
    logLevel: 'silent',
  });
  return result.outputFiles.find((file) => file.path.endsWith('.mjs'))!.text;
}

/**
 * Bundles the function as the stack does (the SDK left out, as the Lambda runtime provides it, and the
 * code tree-shaken) but unminified, and reads which SDK commands the bundle's code still refers to: an
 * import of `UpdateItemCommand` that something in the bundle uses is a call the function can make. esbuild
 * keeps an external module's whole import clause even when tree-shaking dropped the code that used some of
 * its names, so a name counts only if it appears outside the import.
 */
export async function sdkCallsOf(name: FunctionName): Promise<SdkCalls> {
  const code = await readableBundle(name);
  const imports = /import\s*\{([^}]*)\}\s*from\s*["'](@aws-sdk\/[\w-]+)["'];?/g;
  const body = code.replace(imports, '');
  const commands = new Set<string>();
  for (const match of code.matchAll(imports)) {
    for (const specifier of match[1]!.split(',')) {
      const [imported, local = imported] = specifier.trim().split(/\s+as\s+/) as [string, string?];
      if (!imported?.endsWith('Command')) continue;
      if (new RegExp(`(?<![\\w$])${local.replace(/\$/g, '\\$')}(?![\\w$])`).test(body)) {
        commands.add(`${match[2]}#${imported}`);
      }
    }
  }
  if (/import\s*\*\s*as\s*\w+\s*from\s*["']@aws-sdk\//.test(code) || /import\(\s*["']@aws-sdk\//.test(code)) {
    throw new Error(`${name}: a namespace or dynamic import of the AWS SDK hides which commands it sends`);
  }
  const sorted = [...commands].sort();
  return {
    commands: sorted,
    actions: [...new Set(sorted.map((entry) => actionOf(...(entry.split('#') as [string, string]))))].sort(),
  };
}
