import * as z from 'zod';
import { skuSchema, text } from '../shared/domain/order.js';
import { ORDER_STATUSES } from '../shared/domain/status.js';
import type { OrderFilters } from '../shared/store/search.js';

/**
 * The query string of GET /orders and GET /orders/export.csv. Dates may be days ("2026-01-31", which
 * then covers the whole UTC day) or instants; both bounds are inclusive.
 */
const day = z.iso.date();
const instant = z.iso.datetime({ offset: true });
/**
 * An instant with an offset can land outside the four-digit years once in UTC ("0000-01-01T00:00+01:00"
 * is in year -1); the stored timestamps, and so the index's sort keys, have four-digit years only.
 */
const inFourDigitYears = (value: string) =>
  /^\d{4}-/.test(lowerBound(value)) && /^\d{4}-/.test(upperBound(value));
const dateOrInstant = z
  .union([day, instant])
  .refine(inFourDigitYears, 'must lie between 0000-01-01 and 9999-12-31 in UTC');

function lowerBound(value: string): string {
  return new Date(day.safeParse(value).success ? `${value}T00:00:00.000Z` : value).toISOString();
}
function upperBound(value: string): string {
  return new Date(day.safeParse(value).success ? `${value}T23:59:59.999Z` : value).toISOString();
}

function filtersQuery(limits: { default: number; max: number }) {
  return z
    .strictObject({
      status: z.enum(ORDER_STATUSES).optional(),
      sku: skuSchema.optional(),
      // As the orders store them: a control character can match nothing, and is refused as a mistake.
      productId: text(64).min(1).optional(),
      email: z.string().min(3).max(254).optional(),
      externalOrderId: text(100).min(1).optional(),
      from: dateOrInstant.optional(),
      to: dateOrInstant.optional(),
      region: z.enum(['domestic', 'international']).optional(),
      limit: z
        .string()
        .regex(/^\d{1,6}$/, 'must be a whole number')
        .transform(Number)
        .pipe(z.number().int().min(1).max(limits.max))
        .optional()
        .describe(`page size, default ${limits.default}, at most ${limits.max}`),
      cursor: z.string().max(400).optional().describe('nextCursor of the previous page'),
    })
    .refine((query) => !query.from || !query.to || lowerBound(query.from) <= upperBound(query.to), {
      path: ['to'],
      message: 'must not be before from',
    })
    .transform(({ limit, cursor, from, to, ...filters }) => ({
      limit: limit ?? limits.default,
      ...(cursor ? { cursor } : {}),
      filters: {
        ...filters,
        ...(from ? { from: lowerBound(from) } : {}),
        ...(to ? { to: upperBound(to) } : {}),
      } satisfies OrderFilters,
    }));
}

export const searchQuerySchema = filtersQuery({ default: 50, max: 200 });
export const exportQuerySchema = filtersQuery({ default: 1000, max: 5000 });
