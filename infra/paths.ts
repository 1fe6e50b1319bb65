import { fileURLToPath } from 'node:url';

/** The repository root: NodejsFunction's project root, where the lockfile, functions/ and workflows/ live. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
