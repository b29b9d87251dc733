/**
 * jit at a terminal, in-process (cli-world.ts): the prompts are @inquirer's, replaced here by a
 * script of answers (or a Ctrl-C) so each test says what the user typed; the pseudo-terminal test
 * (test/e2e/pty-request.test.ts) drives the real prompts. Every test asserts the cloud's state.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildPolicy } from '../../../src/core/policy.js';
import { type CliWorld, cliWorld } from '../../support/cli-world.js';

const SSH = { from: 22, to: 22, protocol: 'tcp' as const };

/** What the user does at each prompt, in order: an answer, or Ctrl-C. */
const script: (unknown | 'ctrl-c')[] = [];
const asked: { kind: string; message: string; choices?: unknown[] }[] = [];

class ExitPromptError extends Error {
  override name = 'ExitPromptError';
}

function answer(kind: string) {
  return async (config: { message: string; choices?: unknown[] }) => {
    asked.push({ kind, message: config.message, ...(config.choices ? { choices: config.choices } : {}) });
    if (script.length === 0) throw new Error(`unexpected ${kind} prompt: ${config.message}`);
    const next = script.shift();
    if (next === 'ctrl-c') throw new ExitPromptError('User force closed the prompt with SIGINT');
    return next;
  };
}

vi.mock('@inquirer/prompts', () => ({ input: answer('input'), confirm: answer('confirm'), select: answer('select') }));

/** A terminal on stdin is what allows prompts; stderr stays plain so the tests read it (no spinner). */
const AT_TERMINAL = { tty: { stdin: true } };
let world: CliWorld;

beforeEach(() => {
  script.length = 0;
  asked.length = 0;
  world = cliWorld();
  world.provider.addVm('vm01', buildPolicy({ ports: [SSH] }));
});
afterEach(() => world.cleanup());

describe('Ctrl-C and "no" at a prompt', () => {
  it('Ctrl-C at the VM prompt exits 130 with no error text, and nothing is written', async () => {
    script.push('ctrl-c');
    const result = await world.jit(['request'], AT_TERMINAL);
    expect(result.code).toBe(130);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('');
    expect(asked.map((a) => a.kind)).toEqual(['select']);
    expect(world.provider.writes).toEqual([]);
  });

  it('Ctrl-C at the disable confirmation exits 130 with no error text; the VM stays enabled', async () => {
    script.push('ctrl-c');
    const result = await world.jit(['disable', 'vm01'], AT_TERMINAL);
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/^jit disable vm01 removes the lock-down and the policy:\n/);
    expect(result.stderr).not.toMatch(/error|Interrupted|Cancelled/);
    expect(world.provider.targets.get('vm01')!.policyTag).toBe('v1;p=22/tcp;d=3h');
  });

  it('"no" to the disable confirmation says it was cancelled and exits 130; the VM stays enabled', async () => {
    script.push(false);
    const result = await world.jit(['disable', 'vm01'], AT_TERMINAL);
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/^Cancelled; nothing was changed\.\n$/m);
    expect(result.stderr).not.toMatch(/error:/);
    expect(world.provider.writes).toEqual([]);
    expect(world.provider.targets.get('vm01')!.policyTag).toBe('v1;p=22/tcp;d=3h');
  });
});

describe('which cloud a target is on', () => {
  it('an EC2 instance ID goes to AWS even with cloud=azure configured; --cloud still wins', async () => {
    await world.jit(['status', 'i-3215ab9f3432bebbd']);
    await world.jit(['status', 'i-3215ab9f3432bebbd', '--cloud', 'azure']);
    await world.jit(['status', 'vm01']);
    expect(world.loaded).toEqual(['aws', 'azure', 'azure']);
  });

  it('a name not found on the default cloud hints at --cloud with the other one', async () => {
    const result = await world.jit(['status', 'nosuchvm', '--json']);
    expect(result.code).toBe(1);
    expect(result.json.error).toMatchObject({ code: 'JIT_TARGET_NOT_FOUND', hint: expect.stringMatching(/pass --cloud aws\.$/) });
    const aws = await world.jit(['status', 'nosuchvm', '--json', '--cloud', 'aws']);
    expect(aws.json.error?.hint).toMatch(/pass --cloud azure\.$/);
  });
});

describe('confirm after looking', () => {
  const grantFor = async (requester: string) => {
    world.provider.identity = requester;
    // Each requester from an address of their own: the same address and ports would be one grant.
    const source = requester.startsWith('bob') ? '81.2.69.99' : '81.2.69.77';
    const made = await world.jit(['request', 'vm01', '-d', '30m', '--source', source, '--json']);
    expect(made.code, made.stderr).toBe(0);
    world.provider.identity = 'alice@example.com';
    return made.json.grant!.grantId;
  };

  it('disable of a VM that does not exist fails before any question', async () => {
    const result = await world.jit(['disable', 'nosuchvm'], AT_TERMINAL);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: There is no VM nosuchvm\./m);
    expect(asked).toEqual([]);
  });

  it('disable shows the plan, naming a colleague\'s grant, before asking; "yes" then disables', async () => {
    const mine = await grantFor('alice@example.com');
    const bobs = await grantFor('bob@example.com');
    script.push(true);
    const result = await world.jit(['disable', 'vm01'], AT_TERMINAL);
    expect(result.code, result.stderr).toBe(0);
    const [plan] = result.stderr.split('\n  rule changes:');
    expect(plan).toMatch(new RegExp(`closes 2 grants:\\n {4}GRANT .*REQUESTER .*\\n {4}${mine} .* yours .*\\n {4}${bobs} .* bob@example\\.com `));
    expect(result.stderr).toMatch(/- remove-rule/);
    expect(asked).toMatchObject([{ kind: 'confirm', message: 'Remove the lock-down from vm01 and restore its earlier rules?' }]);
    expect(world.provider.rules).toEqual([]);
    expect(world.provider.targets.get('vm01')!.policyTag).toBeUndefined();
  });

  it('disable without a terminal is refused naming --yes and the colleague whose grant it would close', async () => {
    await grantFor('bob@example.com');
    const refused = await world.jit(['disable', 'vm01']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: jit disable vm01 removes the lock-down and closes 1 grant, including grants of bob@example\.com: pass --yes to confirm\./);
    expect(world.provider.rules).toHaveLength(1);
    expect(world.provider.targets.get('vm01')!.policyTag).toBeDefined();
  });

  it('revoke vm01 --all shows whose grants it closes and asks; "no" leaves them all', async () => {
    await grantFor('alice@example.com');
    const bobs = await grantFor('bob@example.com');
    script.push(false);
    const result = await world.jit(['revoke', 'vm01', '--all'], AT_TERMINAL);
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(new RegExp(`jit revoke vm01 --all:\\n {2}closes 2 grants:[^]*${bobs} .* bob@example\\.com`));
    expect(asked).toMatchObject([{ kind: 'confirm', message: 'Revoke 2 grants, including grants of bob@example.com?' }]);
    expect(world.provider.rules).toHaveLength(2);
  });

  it('revoke vm01 --all without a terminal needs --yes, then closes everyone\'s', async () => {
    await grantFor('bob@example.com');
    const refused = await world.jit(['revoke', 'vm01', '--all', '--json']);
    expect([refused.code, refused.json.error?.code]).toEqual([2, 'JIT_CONFIRMATION_REQUIRED']);
    expect(world.provider.rules).toHaveLength(1);
    const revoked = await world.jit(['revoke', 'vm01', '--all', '--yes']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(world.provider.rules).toEqual([]);
  });
});

describe('the spinner', () => {
  const HIDE = '\u001b[?25l';
  const SHOW = '\u001b[?25h';
  /** Whether ora's spinner was live (cursor hidden, not yet shown) when each stdout write happened. */
  const liveAtStdout = (writes: { stream: string; chunk: string }[]) => {
    let err = '';
    const live: boolean[] = [];
    for (const { stream, chunk } of writes) {
      if (stream === 'stderr') err += chunk;
      else live.push(err.lastIndexOf(HIDE) > err.lastIndexOf(SHOW));
    }
    return { live, spun: err.includes(HIDE) };
  };

  it('is stopped before the result reaches stdout (stdout piped, stderr a terminal), 20 runs in 20', async () => {
    for (let run = 0; run < 20; run++) {
      const result = await world.jit(['status', 'vm01'], { tty: { stderr: true, columns: 80 } });
      expect(result.code, result.stderr).toBe(0);
      const { live, spun } = liveAtStdout(result.writes!);
      expect(spun).toBe(true);
      expect(live.length).toBeGreaterThan(0);
      expect(live.every((l) => !l)).toBe(true);
      expect(result.stdout).not.toMatch(/[\u2800-\u28ff]|\u001b/);
    }
  });

  it('is not started on a terminal that reports 0 columns, and the command finishes', async () => {
    const result = await world.jit(['status', 'vm01'], { tty: { stderr: true, columns: 0 } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^vm01 /);
  });
});

describe('enable on an enabled VM', () => {
  beforeEach(() => {
    world.provider.targets.get('vm01')!.policyTag = 'v1;p=22/tcp;d=3h;j=1';
  });
  const WEAKER = ['enable', 'vm01', '--port', '22,3389', '--max-duration', '1h'];

  it('a weakening without a terminal is refused naming --yes, and the policy stays', async () => {
    const refused = await world.jit([...WEAKER, '--json']);
    expect(refused.code).toBe(2);
    expect(refused.json.error).toMatchObject({
      code: 'JIT_CONFIRMATION_REQUIRED',
      message: 'jit enable vm01 weakens its policy (ports 22/tcp → 22/tcp,3389/tcp; justification required → not required): pass --yes to confirm.',
    });
    expect(world.provider.targets.get('vm01')!.policyTag).toBe('v1;p=22/tcp;d=3h;j=1');
    expect(world.provider.writes).toEqual([]);
  });

  it('with --yes it is applied, the diff shown on stderr', async () => {
    const applied = await world.jit([...WEAKER, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toMatch(/^ {2}weaker {2}justification {3}required → not required$/m);
    expect(world.provider.targets.get('vm01')!.policyTag).toBe('v1;p=22/tcp,3389/tcp;d=1h');
  });

  it('at a terminal the diff is shown and confirmed; "no" leaves the policy', async () => {
    script.push(false);
    const result = await world.jit(WEAKER, AT_TERMINAL);
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/^Policy of vm01 changes:\n {2}weaker {2}ports {11}22\/tcp → 22\/tcp,3389\/tcp\n {10}longest request 3h → 1h\n/);
    expect(asked).toMatchObject([{ kind: 'confirm', message: 'Weaken the policy of vm01 (ports, justification)?' }]);
    expect(world.provider.targets.get('vm01')!.policyTag).toBe('v1;p=22/tcp;d=3h;j=1');
  });

  it('a stricter policy needs no confirmation', async () => {
    const stricter = await world.jit(['enable', 'vm01', '--port', '22', '--max-duration', '1h', '--require-justification']);
    expect(stricter.code, stricter.stderr).toBe(0);
    expect(world.provider.targets.get('vm01')!.policyTag).toBe('v1;p=22/tcp;d=1h;j=1');
  });
});

describe('pickers at a terminal', () => {
  it('request with no VM: the enabled VMs to pick from, then the justification the policy requires, then a grant', async () => {
    world.provider.addVm('vpn', buildPolicy({ ports: [SSH], requireJustification: true }));
    world.provider.addVm('plain');
    script.push('/vm/vpn', 'INC-42');
    const result = await world.jit(['request', '-d', '30m'], AT_TERMINAL);
    expect(result.code, result.stderr).toBe(0);
    expect(asked).toMatchObject([
      { kind: 'select', message: 'Which VM?', choices: [{ value: '/vm/vm01' }, { value: '/vm/vpn' }] },
      { kind: 'input', message: 'Justification (the policy requires one):' },
    ]);
    expect(world.provider.rules).toMatchObject([{ target: 'vpn', source: '81.2.69.77/32' }]);
  });

  it('without a cloud set, the cloud is asked first', async () => {
    script.push('aws', '/vm/vm01');
    const result = await world.jit(['request', '-d', '10m'], { ...AT_TERMINAL, env: { JIT_CLOUD: '' } });
    expect(result.code, result.stderr).toBe(0);
    expect(asked.map((a) => a.message)).toEqual(['Which cloud?', 'Which VM?']);
    expect(world.loaded).toEqual(['aws']);
    expect(world.provider.rules).toHaveLength(1);
  });

  it('an ambiguous name offers its candidates with their resource group', async () => {
    world.provider.state.ambiguous.set('web', ['/subscriptions/s/resourceGroups/rg-a/providers/Microsoft.Compute/virtualMachines/web', '/vm/vm01']);
    script.push('/vm/vm01');
    const result = await world.jit(['request', 'web', '-d', '10m'], AT_TERMINAL);
    expect(result.code, result.stderr).toBe(0);
    expect(asked).toMatchObject([{ kind: 'select', choices: [{ name: 'rg-a/web' }, { name: '/vm/vm01' }] }]);
    expect(world.provider.rules).toMatchObject([{ target: 'vm01' }]);
  });

  it('without a terminal each stays an error naming what to pass; a name not found suggests close names', async () => {
    expect((await world.jit(['request', '--json'])).json.error?.code).toBe('JIT_MISSING_TARGET');
    world.provider.addVm('vpn', buildPolicy({ ports: [SSH], requireJustification: true }));
    expect((await world.jit(['request', 'vpn', '--json'])).json.error?.code).toBe('JIT_POLICY_JUSTIFICATION_REQUIRED');
    const typo = await world.jit(['status', 'vm0l', '--json']);
    expect(typo.json.error).toMatchObject({ code: 'JIT_TARGET_NOT_FOUND', hint: expect.stringMatching(/^Did you mean vm01\?/) });
    expect(asked).toEqual([]);
    expect(world.provider.rules).toEqual([]);
  });
});
