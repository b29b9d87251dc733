// npm run bench: whole-process timings, medians of repeated cold runs, as ratios against a baseline
// (`node -e 0`) measured in the same invocation. NODE_EXTRA_CA_CERTS is unset: the machine sets it
// globally and it adds ~130 ms to every Node start, which would drown what we measure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const configDir = mkdtempSync(path.join(tmpdir(), 'jit-bench-'));
const env = { ...process.env, JIT_CONFIG_DIR: configDir, NO_COLOR: '1' };
delete env.NODE_EXTRA_CA_CERTS;

const jit = path.join(root, 'bin', 'jit.js');
const cases = [
  { name: 'node -e 0 (baseline)', args: ['-e', '0'] },
  { name: 'jit --help', args: [jit, '--help'], goal: 2.5 },
  { name: 'jit ip --source 203.0.113.9 --json', args: [jit, 'ip', '--source', '203.0.113.9', '--json'] },
];

function once(args) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr.toString()}`);
  }
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

for (const c of cases) once(c.args); // warm the file cache, not the process
const samples = new Map(cases.map((c) => [c.name, []]));
// Interleaved rounds, so a slow patch of the machine hits every case alike.
for (let i = 0; i < runs; i++) for (const c of cases) samples.get(c.name).push(once(c.args));
rmSync(configDir, { recursive: true, force: true });

const base = median(samples.get(cases[0].name));
console.log(`start-up, ${runs} cold runs each, median wall time (node ${process.version})`);
for (const c of cases) {
  const m = median(samples.get(c.name));
  const ratio = m / base;
  const goal = c.goal ? `  goal <= ${c.goal}x: ${ratio <= c.goal ? 'met' : 'NOT MET'}` : '';
  console.log(`  ${c.name.padEnd(40)} ${m.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}x${goal}`);
}
