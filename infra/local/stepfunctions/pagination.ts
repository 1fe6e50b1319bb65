import { apiError } from './errors.js';

/** AWS's page size rules for every List/Get call here: 0 or absent is 100, at most 1000. */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

/**
 * Where a page ends, as a key of its last item: the next page starts after that item, so executions
 * started (or events recorded) between two calls neither repeat nor skip an item, as with AWS's tokens.
 */
export interface Cursor<T, K> {
  key(item: T): K;
  /** Whether `item` comes after the item whose key is `key`, in the listing's order. */
  after(item: T, key: K): boolean;
}

/** The paging fields every List/Get call takes. */
export interface PageRequest {
  maxResults?: number;
  nextToken?: string;
}

export function paginate<T extends Item, Item, K>(
  items: readonly T[],
  request: PageRequest,
  cursor: Cursor<Item, K>,
): { page: T[]; nextToken?: string } {
  const { maxResults = 0, nextToken } = request;
  if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > MAX_PAGE) {
    throw apiError.validation(
      `1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: ` +
        `Member must have value between 0 and ${MAX_PAGE}`,
    );
  }
  const limit = maxResults === 0 ? DEFAULT_PAGE : maxResults;
  let rest = items;
  if (nextToken !== undefined) {
    const key = decode<K>(nextToken);
    rest = items.filter((item) => cursor.after(item, key));
  }
  const page = rest.slice(0, limit);
  return rest.length > limit ? { page, nextToken: encode(cursor.key(page.at(-1)!)) } : { page };
}

function encode(key: unknown): string {
  return Buffer.from(JSON.stringify({ after: key })).toString('base64url');
}

function decode<K>(token: string): K {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: K };
    if (parsed && typeof parsed === 'object' && parsed.after !== undefined) return parsed.after;
  } catch {
    // answered below, as AWS answers any token it did not issue
  }
  throw apiError.invalidPageToken(token);
}
