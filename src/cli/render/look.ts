/**
 * What a human rendering needs besides the data: colour, the local clock, the width to fit, and
 * whether --verbose asked for full ids and requesters.
 */
import type { ChalkInstance } from 'chalk';
import type { Clock } from '../../core/ports.js';
import type { Output } from '../output.js';
import { localTimes, type Times } from './time.js';

export interface Look {
  c: ChalkInstance;
  times: Times;
  verbose: boolean;
  width: number;
}

export function lookOf(c: ChalkInstance, out: Output, clock: Clock): Look {
  return { c, times: localTimes(out.io.env, clock.now()), verbose: out.verbose, width: out.width };
}
