/**
 * A first-time user at a real terminal (tmux, 100×30): `jit request` with no arguments walks
 * through the cloud, VM and justification prompts to a grant, on MemoryProvider (support/pty-jit.ts).
 * The captured screen is asserted at each step; waits are on the screen's content, not sleeps.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempConfigDir } from '../support/cli.js';

const SOCKET = `jit-pty-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'jit');

async function waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = screen();
    if (pattern.test(shown)) return shown;
    if (Date.now() > deadline) throw new Error(`screen never showed ${pattern}:\n${shown}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const { dir, cleanup } = tempConfigDir();
beforeAll(() => {
  const entry = path.join(ROOT, 'test', 'e2e', 'support', 'pty-jit.ts');
  const guard = path.join(ROOT, 'test', 'support', 'net-guard.mjs');
  const env = `env -i PATH="${process.env.PATH ?? ''}" HOME="${dir}" JIT_CONFIG_DIR="${dir}" TERM=xterm-256color`;
  // remain-on-exit keeps the last screen for the assertions after jit ends.
  tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'jit', '-x', '100', '-y', '30',
    `${env} ${process.execPath} --import=${guard} --import=tsx ${entry} request -d 30m; sleep 30`);
});
afterAll(() => {
  try {
    tmux('kill-server');
  } finally {
    cleanup();
  }
});

describe('jit request at a terminal, with no arguments', () => {
  it('asks the cloud, the VM and the justification, then grants', async () => {
    expect(await waitFor(/Which cloud\?/)).toMatch(/❯ azure\s*\n\s+aws/);
    tmux('send-keys', '-t', 'jit', 'Enter');
    const vms = await waitFor(/Which VM\?/);
    expect(vms).toMatch(/❯ vm01 \(\/vm\/vm01\)\s*\n\s+vpn \(\/vm\/vpn\)/);
    tmux('send-keys', '-t', 'jit', 'Down', 'Enter');
    await waitFor(/Justification \(the policy requires one\):/);
    tmux('send-keys', '-t', 'jit', '-l', 'INC-42');
    tmux('send-keys', '-t', 'jit', 'Enter');
    const done = await waitFor(/exit \d+; rules: .*/);
    expect(done).toMatch(/Granted 22\/tcp on vpn to 81\.2\.69\.77\/32/);
    expect(done).toMatch(/exit 0; rules: vpn 81\.2\.69\.77\/32/);
    expect(done).not.toMatch(/error:/);
  });
});
