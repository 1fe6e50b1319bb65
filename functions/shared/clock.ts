import { ENV, numberEnv } from './config.js';

/**
 * Wall-clock time, with durations scaled by ORDERFLOW_TIME_SCALE so that the local runtime can run a
 * three-day transit in seconds. Timestamps stay real UTC; only the lengths of waits shrink.
 */
export const timeScale = (): number => numberEnv(ENV.timeScale, 1);

export const nowIso = (): string => new Date().toISOString();

/** A business duration (say, 3 days) as the real milliseconds it lasts under the configured scale. */
export function scaledMs(businessMs: number): number {
  return businessMs / timeScale();
}

export function addBusinessMs(fromIso: string, businessMs: number): string {
  return new Date(Date.parse(fromIso) + scaledMs(businessMs)).toISOString();
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
