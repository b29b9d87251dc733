import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { isGrantId, newGrantId, parseGrantId } from '../../../src/core/grant-id.js';

describe('grant ids', () => {
  it('are 8 characters of lower-case Crockford base32', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newGrantId()));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(id).toMatch(/^[0-9abcdefghjkmnpqrstvwxyz]{8}$/);
  });

  it('map bytes deterministically', () => {
    expect(newGrantId((b) => b.fill(0))).toBe('00000000');
    expect(newGrantId((b) => b.fill(31))).toBe('zzzzzzzz');
    expect(newGrantId((b) => b.fill(32 + 10))).toBe('aaaaaaaa');
  });

  it.each([
    ['k3v9x2ab', 'k3v9x2ab'],
    ['K3V9X2AB', 'k3v9x2ab'],
  ])('parses %s', (input, id) => {
    expect(parseGrantId(input, '<grant-id>')).toBe(id);
    expect(isGrantId(id)).toBe(true);
  });

  it.each(['k3v9x2a', 'k3v9x2abc', 'k3v9x2ai', 'vm01', ''])('refuses %j', (input) => {
    expect(() => parseGrantId(input, '<grant-id>')).toThrow(UserError);
    expect(() => parseGrantId(input, '<grant-id>')).toThrow(
      /<grant-id> ".*" is not a grant id: 8 characters/,
    );
  });
});
