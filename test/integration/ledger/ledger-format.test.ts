import { describe, expect, it } from 'vitest';
import type { GrantRecord } from '../../../src/core/ports.js';
import { decodeLedger, encodeLedger } from '../../../src/scheduler/ledger-format.js';
import { sampleGrant } from './sample-grant.js';

const FILE = '/home/u/.config/jit-access/grants.json';
const withGrant = (grant: unknown) => JSON.stringify({ version: 1, grants: [grant] });
const without = (field: keyof GrantRecord) => {
  const { [field]: _, ...rest } = sampleGrant('aaaaaaaa');
  return rest;
};

describe('ledger file format', () => {
  it('round-trips grants, optional fields included', () => {
    const grants = [
      sampleGrant('aaaaaaaa'),
      sampleGrant('bbbbbbbb', {
        cloud: 'aws',
        justification: 'deploy',
        lastError: 'throttled',
        state: 'failed',
      }),
    ];
    const text = encodeLedger(grants);
    expect(JSON.parse(text)).toEqual({ version: 1, grants });
    expect(decodeLedger(text, FILE)).toEqual(grants);
    expect(decodeLedger(encodeLedger([]), FILE)).toEqual([]);
  });

  it.each([
    ['not JSON', '{', 'is not valid JSON'],
    ['JSON that is not an object', '[]', 'has no format version'],
    ['no version', '{"grants":[]}', 'has no format version'],
    ['a fractional version', '{"version":1.5,"grants":[]}', 'has no format version'],
    ['version 0', '{"version":0,"grants":[]}', 'unknown format version 0'],
    ['no grant list', '{"version":1}', 'has no "grants" list'],
    ['a grant that is not an object', withGrant('x'), 'grant #1 is not an object'],
    ['a grant without id', withGrant(without('id')), '"id"'],
    ['an unknown cloud', withGrant(sampleGrant('aaaaaaaa', { cloud: 'gcp' as never })), '"cloud"'],
    ['a target without id', withGrant({ ...sampleGrant('aaaaaaaa'), target: { name: 'vm01' } }), '"target"'],
    ['a non-text scope value', withGrant({ ...sampleGrant('aaaaaaaa'), scope: { region: 1 } }), '"scope"'],
    [
      'a malformed port',
      withGrant({ ...sampleGrant('aaaaaaaa'), ports: [{ from: '22', to: 22, protocol: 'tcp' }] }),
      '"ports"',
    ],
    [
      'an unknown protocol',
      withGrant({ ...sampleGrant('aaaaaaaa'), ports: [{ from: 22, to: 22, protocol: 'icmp' }] }),
      '"ports"',
    ],
    ['an unreadable expiry', withGrant(sampleGrant('aaaaaaaa', { expiresAt: 'soon' })), '"expiresAt"'],
    ['no rule list', withGrant(without('rules')), '"rules"'],
    [
      'a non-text justification',
      withGrant({ ...sampleGrant('aaaaaaaa'), justification: 42 }),
      '"justification"',
    ],
    [
      'one id twice',
      JSON.stringify({ version: 1, grants: [sampleGrant('aaaaaaaa'), sampleGrant('aaaaaaaa')] }),
      'holds grant id aaaaaaaa twice',
    ],
  ])('refuses %s as JIT_LEDGER_CORRUPT', (_, text, problem) => {
    const read = () => decodeLedger(text, FILE);
    expect(read).toThrow(expect.objectContaining({ code: 'JIT_LEDGER_CORRUPT', exitCode: 1 }));
    expect(read).toThrow(`The grant ledger ${FILE}`);
    expect(read).toThrow(problem);
  });

  it('refuses a newer format version with its own code', () => {
    expect(() => decodeLedger('{"version":2,"grants":[]}', FILE)).toThrow(
      expect.objectContaining({ code: 'JIT_LEDGER_VERSION_UNSUPPORTED' }),
    );
  });

  it('writes only GrantRecord fields and leaves absent optional ones out', () => {
    const grant = { ...sampleGrant('aaaaaaaa'), token: 'secret', justification: undefined } as GrantRecord;
    const [stored] = JSON.parse(encodeLedger([grant])).grants;
    expect(stored).not.toHaveProperty('token');
    expect(stored).not.toHaveProperty('justification');
  });

  it('refuses to write what it could not read back', () => {
    expect(() => encodeLedger([sampleGrant('aaaaaaaa', { expiresAt: '' })])).toThrow(TypeError);
    expect(() => encodeLedger([sampleGrant('aaaaaaaa'), sampleGrant('aaaaaaaa')])).toThrow(
      'Grant id aaaaaaaa appears twice',
    );
  });
});
