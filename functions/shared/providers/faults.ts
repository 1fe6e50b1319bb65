import { ENV } from '../config.js';
import { TransientError } from '../errors.js';
import { seededRandom } from '../random.js';

/** The draws of this process's fault injection, restarted whenever the seed changes. */
let draws: { seed: string; next: () => number } | undefined;

/**
 * Fault injection for reliability runs: fails a provider call transiently with the configured odds
 * (ORDERFLOW_FAULT_RATE), drawn from a sequence seeded by ORDERFLOW_FAULT_SEED (default 1), so a drill
 * that fails can be run again with the same draws.
 */
export function maybeInjectFault(call: string): void {
  const faultRate = Number(process.env[ENV.faultRate] ?? 0);
  if (!(faultRate > 0)) return;
  const seed = process.env[ENV.faultSeed] ?? '1';
  if (draws?.seed !== seed) draws = { seed, next: seededRandom(Number(seed) || 1) };
  if (draws.next() < faultRate) throw new TransientError(`injected fault in ${call}`);
}
