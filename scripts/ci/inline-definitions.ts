/**
 * `tsx scripts/ci/inline-definitions.ts <cdk.out> <output dir>`: for cfn-lint, a copy of each synthesized
 * template whose state machines hold their definition inline, as a `Definition` object.
 *
 * `DefinitionBody.fromFile` synthesizes to `DefinitionS3Location` (the ASL is a file asset), and a
 * `DefinitionString` is often an `Fn::Join` of text and references: cfn-lint validates the states language
 * (rule E3601) in neither form. Inlined, the definition keeps its `${...}` placeholders, bound by the same
 * `DefinitionSubstitutions` (CloudFormation applies them to `Definition` too), and cfn-lint knows them
 * for substitutions. E3601 checks the states' schema and StartAt, not where `Next` leads, so each
 * definition also goes through asl-validator here; its errors fail the script.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Template = { Resources?: Record<string, { Type: string; Properties?: Record<string, Json> }> };
type AssetManifest = { files?: Record<string, { source: { path?: string } }> };

const [cdkOut, outDir] = process.argv.slice(2);
if (!cdkOut || !outDir) {
  console.error('usage: inline-definitions.ts <cdk.out> <output dir>');
  process.exit(2);
}

/** The file behind an S3 asset key (`<hash>.json`), from the stack's asset manifests. */
function assetFile(key: string): string {
  const hash = key.replace(/\.json$/, '');
  for (const name of readdirSync(cdkOut!).filter((file) => file.endsWith('.assets.json'))) {
    const manifest = JSON.parse(readFileSync(join(cdkOut!, name), 'utf8')) as AssetManifest;
    const path = manifest.files?.[hash]?.source.path;
    if (path) return join(cdkOut!, path);
  }
  throw new Error(`no file asset ${hash} in ${cdkOut}`);
}

/**
 * A `DefinitionString`: text, or an `Fn::Join` with '' of text and intrinsics. Each intrinsic becomes a
 * placeholder of its own, bound to it through DefinitionSubstitutions, which is what CloudFormation
 * would have spliced in.
 */
function definitionText(value: Json, substitutions: Record<string, Json>): string {
  if (typeof value === 'string') return value;
  const join =
    value !== null && typeof value === 'object' && !Array.isArray(value) ? value['Fn::Join'] : null;
  if (Array.isArray(join) && join[0] === '' && Array.isArray(join[1])) {
    return join[1]
      .map((part) => {
        if (typeof part === 'string') return part;
        const name = `Inlined${Object.keys(substitutions).length}`;
        substitutions[name] = part;
        return `\${${name}}`;
      })
      .join('');
  }
  throw new Error(`cannot inline a DefinitionString of this form: ${JSON.stringify(value).slice(0, 200)}`);
}

let invalid = 0;
mkdirSync(outDir, { recursive: true });
for (const file of readdirSync(cdkOut).filter((name) => name.endsWith('.template.json'))) {
  const template = JSON.parse(readFileSync(join(cdkOut, file), 'utf8')) as Template;
  let inlined = 0;
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine' || !resource.Properties) continue;
    const properties = resource.Properties;
    const substitutions = { ...(properties.DefinitionSubstitutions as Record<string, Json> | undefined) };
    let text: string;
    if (properties.DefinitionS3Location) {
      const { Key } = properties.DefinitionS3Location as { Key: string };
      text = readFileSync(assetFile(Key), 'utf8');
      delete properties.DefinitionS3Location;
    } else if (properties.DefinitionString !== undefined) {
      text = definitionText(properties.DefinitionString, substitutions);
      delete properties.DefinitionString;
    } else {
      continue;
    }
    const definition = JSON.parse(text) as Json;
    properties.Definition = definition;
    if (Object.keys(substitutions).length > 0) properties.DefinitionSubstitutions = substitutions;
    inlined++;

    // A copy: asl-validator writes defaults (QueryLanguage) into what it is given.
    const { isValid, errorsText } = aslValidator(structuredClone(definition));
    if (!isValid) {
      invalid++;
      console.error(`${file} ${id}: the state machine definition is invalid:\n  ${errorsText('\n  ')}`);
    }
  }
  writeFileSync(join(outDir, file), `${JSON.stringify(template, null, 1)}\n`);
  console.log(`${join(outDir, file)}: ${inlined} state machine definition(s) inlined`);
}
process.exit(invalid > 0 ? 1 : 0);
