import { describe, expect, it } from 'vitest';
import { StepFunctionsApiError } from '../../infra/local/stepfunctions/errors.js';
import { paginate, type Cursor } from '../../infra/local/stepfunctions/pagination.js';

const ascending: Cursor<number, number> = { key: (n) => n, after: (n, key) => n > key };
const numbers = (count: number) => Array.from({ length: count }, (_, index) => index + 1);

function pages(items: number[], maxResults?: number): number[][] {
  const result: number[][] = [];
  let nextToken: string | undefined;
  do {
    const page = paginate(
      items,
      { ...(maxResults !== undefined ? { maxResults } : {}), nextToken },
      ascending,
    );
    result.push(page.page);
    nextToken = page.nextToken;
  } while (nextToken);
  return result;
}

describe('paginate, the page rules of the local Step Functions API', () => {
  it('pages 100 items at a time when maxResults is absent or 0, as AWS does', () => {
    const items = numbers(250);

    expect(pages(items).map((page) => page.length)).toEqual([100, 100, 50]);
    expect(pages(items, 0).flat()).toEqual(items);
  });

  it('gives a last page without a token, and none at all when everything fits', () => {
    expect(paginate(numbers(3), { maxResults: 3 }, ascending)).toEqual({ page: [1, 2, 3] });
    expect(pages(numbers(5), 2)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('continues after the last item sent, whatever was added before it meanwhile', () => {
    const first = paginate([2, 4, 6, 8], { maxResults: 2 }, ascending);
    const second = paginate([1, 2, 3, 4, 5, 6, 8], { maxResults: 2, nextToken: first.nextToken! }, ascending);

    expect(first.page).toEqual([2, 4]);
    expect(second.page).toEqual([5, 6]);
  });

  it('answers InvalidToken for a token it did not issue and ValidationException for maxResults out of range', () => {
    for (const nextToken of ['bogus', Buffer.from('{"before":1}').toString('base64url')]) {
      expect(() => paginate(numbers(3), { nextToken }, ascending)).toThrow(
        expect.objectContaining({ code: 'InvalidToken' }) as StepFunctionsApiError,
      );
    }
    for (const maxResults of [-1, 1001, 1.5]) {
      expect(() => paginate(numbers(3), { maxResults }, ascending)).toThrow(
        expect.objectContaining({ code: 'ValidationException' }) as StepFunctionsApiError,
      );
    }
  });
});
