import * as z from 'zod';
import { MONEY_PATTERN } from './money.js';

export const sellerSettingsSchema = z.object({
  originCountry: z.string().regex(/^[A-Z]{2}$/),
  releaseMode: z.enum(['auto', 'manual']).default('auto'),
  reviewThreshold: z.string().regex(MONEY_PATTERN).default('1000.00'),
  holdTimeoutHours: z
    .number()
    .positive()
    .max(24 * 365)
    .default(168),
  releaseSlaHours: z
    .number()
    .positive()
    .max(24 * 365)
    .default(24),
});
export type SellerSettings = z.infer<typeof sellerSettingsSchema>;

export interface Seller extends SellerSettings {
  sellerId: string;
  name: string;
  /** HMAC secrets for webhooks; several so a secret can be rotated without downtime. */
  webhookSecrets: string[];
  createdAt: string;
}
