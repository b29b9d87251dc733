import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/core/duration.js';
import { UserError } from '../../../src/core/errors.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['3h', 10800],
    ['1h30m', 5400],
    ['1d', 86400],
    ['1h0m5s', 3605],
    ['2H', 7200],
    [' 45m ', 2700],
    ['PT3H', 10800],
    ['PT1H30M', 5400],
    ['P1D', 86400],
    ['pt20s', 20],
    ['PT90S', 90],
  ])('%s → %i s', (input, seconds) => {
    expect(parseDuration(input, '--duration')).toBe(seconds);
  });

  it.each([
    ['0s', 'out of range'],
    ['25h', 'out of range'],
    ['1d1s', 'out of range'],
    ['P2D', 'out of range'],
    ['banana', 'is not a duration'],
    ['-1h', 'is not a duration'],
    ['', 'is not a duration'],
    ['1.5h', 'is not a duration'],
    ['3', 'is not a duration'],
    ['h', 'is not a duration'],
    ['30m1h', 'is not a duration'],
    ['PT', 'is not a duration'],
    ['P1DT', 'is not a duration'],
    ['1 h', 'is not a duration'],
  ])('refuses %j (%s)', (input, why) => {
    const attempt = () => parseDuration(input, '--duration');
    expect(attempt).toThrow(UserError);
    expect(attempt).toThrow(why);
    expect(attempt).toThrow(/--duration/);
  });

  it('names the accepted form', () => {
    expect(() => parseDuration('banana', '--max-duration')).toThrow(
      '--max-duration "banana" is not a duration like 90s, 15m, 3h, 1h30m, 1d or ISO 8601 PT3H, between 1s and 24h.',
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [10800, '3h'],
    [5400, '1h30m'],
    [90, '1m30s'],
    [86400, '1d'],
    [0, '0s'],
    [-5, '0s'],
    [90061, '1d1h1m1s'],
  ])('%i → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const seconds of [1, 59, 60, 61, 3599, 3600, 5400, 86399, 86400]) {
      expect(parseDuration(formatDuration(seconds), 'x')).toBe(seconds);
    }
  });
});
