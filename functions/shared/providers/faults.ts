import { ENV } from '../config.js';
import { TransientError } from '../errors.js';

/** Fault injection for reliability runs: fails a provider call transiently with the configured odds. */
export function maybeInjectFault(call: string): void {
  const faultRate = Number(process.env[ENV.faultRate] ?? 0);
  if (faultRate > 0 && Math.random() < faultRate) throw new TransientError(`injected fault in ${call}`);
}
