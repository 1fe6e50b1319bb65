import ts from 'typescript';
import type { FunctionName } from './bundling.js';
import { readableBundle } from './sdk-calls.js';

/**
 * The names of the metrics a function's bundle can emit: the first argument of each `addMetric(...)` call
 * the tree-shaken bundle still holds, read from its syntax (so comments and strings do not count). A name
 * may be spelled out, a constant, or an entry of a constant object (`COUNTED_AS[status]`: every value of
 * the object); any other expression makes the analysis fail, since the name could then be anything.
 */
export async function metricNamesOf(name: FunctionName): Promise<string[]> {
  return metricNamesIn(await readableBundle(name), name);
}

export function metricNamesIn(code: string, where = 'the bundle'): string[] {
  const source = ts.createSourceFile('index.mjs', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const constants = new Map<string, ts.Expression>();
  const names = new Set<string>();

  const unwrap = (node: ts.Expression): ts.Expression =>
    ts.isParenthesizedExpression(node) ? unwrap(node.expression) : node;
  const namesOf = (node: ts.Expression): string[] => {
    const expression = unwrap(node);
    if (ts.isStringLiteralLike(expression)) return [expression.text];
    if (ts.isIdentifier(expression) && constants.has(expression.text)) {
      return namesOf(constants.get(expression.text)!);
    }
    if (ts.isConditionalExpression(expression)) {
      return [...namesOf(expression.whenTrue), ...namesOf(expression.whenFalse)];
    }
    if (ts.isElementAccessExpression(expression) && ts.isIdentifier(expression.expression)) {
      const table = constants.get(expression.expression.text);
      if (table && ts.isObjectLiteralExpression(unwrap(table))) {
        return (unwrap(table) as ts.ObjectLiteralExpression).properties.flatMap((property) => {
          if (!ts.isPropertyAssignment(property)) throw unknown(property);
          return namesOf(property.initializer);
        });
      }
    }
    throw unknown(expression);
  };
  const unknown = (node: ts.Node) =>
    new Error(`${where}: a metric whose name the code does not spell out: ${node.getText(source)}`);

  // esbuild gives every top-level declaration of the bundle a name of its own (and writes `const` as
  // `var`), so a name declared once is that value wherever it is used.
  const declared = new Map<string, number>();
  const collectConstants = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      declared.set(node.name.text, (declared.get(node.name.text) ?? 0) + 1);
      constants.set(node.name.text, node.initializer);
    }
    ts.forEachChild(node, collectConstants);
  };
  const collectCalls = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'addMetric' &&
      node.arguments[0]
    ) {
      for (const metric of namesOf(node.arguments[0])) names.add(metric);
    }
    ts.forEachChild(node, collectCalls);
  };
  collectConstants(source);
  for (const [name, count] of declared) if (count > 1) constants.delete(name);
  collectCalls(source);
  return [...names].sort();
}
