import * as z from 'zod';
import { reviewThresholdsSchema, sellerSettingsSchema } from '../../shared/domain/seller.js';
import { getReleaseSettings, updateReleaseSettings } from '../../shared/store/seller-settings.js';
import { json } from '../http.js';
import { defineRoute } from '../route.js';

const TAG = 'settings';

/** Only the release settings: secrets, keys, providers and the Shopify connection are not here. */
const settingsSchema = z.object({
  releaseMode: z.enum(['auto', 'manual']),
  reviewThresholds: z
    .record(z.string(), z.string())
    .describe('per ISO 4217 currency, in its own minor units'),
  holdTimeoutHours: z.number(),
  releaseSlaHours: z.number(),
});

const fields = sellerSettingsSchema.shape;
const settingsPatchSchema = z
  .strictObject({
    releaseMode: z.enum(['auto', 'manual']).optional(),
    reviewThresholds: reviewThresholdsSchema.optional(),
    holdTimeoutHours: fields.holdTimeoutHours.unwrap().optional(),
    releaseSlaHours: fields.releaseSlaHours.unwrap().optional(),
  })
  .refine((change) => Object.keys(change).length > 0, 'name at least one setting to change');

export const getSettingsRoute = defineRoute({
  method: 'GET',
  path: '/settings',
  operationId: 'getSettings',
  summary: 'Your release settings: release mode, review thresholds, hold timeout, release SLA',
  tag: TAG,
  auth: 'sellerApiKey',
  responses: { 200: { description: 'the settings', schema: settingsSchema } },
  async handle({ sellerId }) {
    return json(200, await getReleaseSettings(sellerId));
  },
});

export const patchSettingsRoute = defineRoute({
  method: 'PATCH',
  path: '/settings',
  operationId: 'changeSettings',
  summary:
    'Change release settings; those left out stay as they were. Orders already waiting keep the hold they have',
  tag: TAG,
  auth: 'sellerApiKey',
  body: settingsPatchSchema,
  responses: { 200: { description: 'the settings after the change', schema: settingsSchema } },
  async handle({ sellerId, body }) {
    return json(200, await updateReleaseSettings(sellerId, body));
  },
});
