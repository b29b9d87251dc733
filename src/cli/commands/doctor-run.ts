/**
 * What `jit doctor` does: everything a request needs, checked in place (docs/cli.md, "Commands"):
 * the config file, which credential each cloud would use and whether it signs in (whoami), the
 * subscription or region in effect, public IP detection, and the expiry scheduler with the tail of
 * its log. Exit 0 only when a request could work: the cloud in effect (or, with none set, some
 * cloud) signs in and an address is detected; else 4 when what failed is authentication, else 1.
 */
import { lstat, open } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ChalkInstance } from 'chalk';
import { configDir } from '../../config/paths.js';
import type { ResolvedSettings } from '../../config/store.js';
import { exitCodeOf, isJitError } from '../../core/errors.js';
import { CLOUDS, type CloudName } from '../../core/model.js';
import { printable as p } from '../../core/printable.js';
import { lockIsHeld, readHolder } from '../../scheduler/lock.js';
import { schedulerPaths } from '../../scheduler/paths.js';
import { appContext, type AppContext } from '../app-context.js';
import { scopeJson } from '../render/json.js';
import type { CliRun } from '../run.js';

/** Lines of scheduler.log shown, and the most read from its end (the log is append-only and unbounded). */
const LOG_LINES = 10;
const LOG_TAIL_BYTES = 16 * 1024;

interface Failure {
  code: string;
  message: string;
  hint: string | null;
}

interface CloudCheck {
  cloud: CloudName;
  /** Which credential the SDK's chain would pick, as far as the environment tells. */
  credentials: string;
  identity: string | null;
  scope: Record<string, string> | null;
  ok: boolean;
  error: Failure | null;
}

export interface DoctorReport {
  configPath: string;
  cloud: { value: string; source: string } | null;
  clouds: CloudCheck[];
  ip: { ok: boolean; v4: string | null; v6: string | null; error: string | null };
  scheduler: { running: boolean; pid: number | null; logPath: string; log: string[] };
  ready: boolean;
}

const set = (env: Record<string, string | undefined>, name: string) => (env[name] ?? '') !== '';

/**
 * DefaultAzureCredential tries, in order, the environment (a service principal's
 * AZURE_CLIENT_ID/AZURE_TENANT_ID with a secret or certificate), workload identity
 * (AZURE_FEDERATED_TOKEN_FILE), managed identity, then developer sign-ins such as the Azure CLI;
 * AZURE_TOKEN_CREDENTIALS narrows the chain (Learn, "Credential chains in the Azure Identity library").
 */
export function azureCredentialSource(env: Record<string, string | undefined>): string {
  const narrowed = env.AZURE_TOKEN_CREDENTIALS ?? '';
  const prefix = narrowed !== '' ? `AZURE_TOKEN_CREDENTIALS=${narrowed}: ` : '';
  if (set(env, 'AZURE_CLIENT_ID') && set(env, 'AZURE_TENANT_ID')) {
    if (set(env, 'AZURE_CLIENT_SECRET')) return `${prefix}service principal (AZURE_CLIENT_ID with AZURE_CLIENT_SECRET)`;
    if (set(env, 'AZURE_CLIENT_CERTIFICATE_PATH')) return `${prefix}service principal (AZURE_CLIENT_ID with a certificate)`;
    if (set(env, 'AZURE_FEDERATED_TOKEN_FILE')) return `${prefix}workload identity (AZURE_FEDERATED_TOKEN_FILE)`;
  }
  return `${prefix}DefaultAzureCredential chain (managed identity, then the Azure CLI's sign-in, \`az login\`)`;
}

/**
 * The AWS SDK's default chain: environment keys, then the shared config/credentials profile (SSO,
 * assume-role, credential_process), web identity, then container or instance metadata
 * (AWS SDK for JavaScript v3, "Credential provider chain").
 */
export function awsCredentialSource(env: Record<string, string | undefined>, profile: string | undefined): string {
  if (set(env, 'AWS_ACCESS_KEY_ID')) return `environment keys (AWS_ACCESS_KEY_ID${set(env, 'AWS_SESSION_TOKEN') ? ' with AWS_SESSION_TOKEN' : ''})`;
  if (profile) return `shared config profile "${profile}"`;
  if (set(env, 'AWS_WEB_IDENTITY_TOKEN_FILE')) return 'web identity (AWS_WEB_IDENTITY_TOKEN_FILE)';
  return 'default chain (the "default" profile of ~/.aws, then container or instance metadata)';
}

function failure(error: unknown): Failure {
  if (isJitError(error)) return { code: error.code, message: error.message, hint: error.hint ?? null };
  return { code: 'JIT_UNEXPECTED', message: error instanceof Error ? error.message : String(error), hint: null };
}

type CheckedCloud = CloudCheck & { exit: number };

async function checkCloud(ctx: AppContext, settings: ResolvedSettings, cloud: CloudName): Promise<CheckedCloud> {
  const credentials = cloud === 'azure' ? azureCredentialSource(ctx.io.env) : awsCredentialSource(ctx.io.env, settings.profile?.value);
  const progress = { step: () => {}, warn: () => {} };
  try {
    const provider = await ctx.provider(cloud, progress);
    const scopeInEffect = provider.scopeInEffect?.() ?? Promise.resolve(null);
    const [identity, scope] = await Promise.all([provider.whoami(), scopeInEffect]);
    return { cloud, credentials, identity, scope, ok: true, error: null, exit: 0 };
  } catch (error) {
    const exit = exitCodeOf(error);
    return { cloud, credentials, identity: null, scope: null, ok: false, error: failure(error), exit };
  }
}

async function checkIp(ctx: AppContext): Promise<DoctorReport['ip']> {
  try {
    const found = await (await ctx.ipDetector()).detect();
    const v4 = found.v4?.address ?? null;
    const v6 = found.v6?.address ?? null;
    return { ok: v4 !== null || v6 !== null, v4, v6, error: v4 === null && v6 === null ? 'no service answered with a public address' : null };
  } catch (error) {
    return { ok: false, v4: null, v6: null, error: failure(error).message };
  }
}

/** The last lines of the log, read from its end; a link or non-file is named, never followed. */
async function logTail(file: string): Promise<string[]> {
  let info;
  try {
    info = await lstat(file);
  } catch {
    return [];
  }
  if (!info.isFile()) return [`(${file} is not a regular file; not read)`];
  const handle = await open(file, 'r');
  try {
    const length = Math.min(info.size, LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, info.size - length);
    const lines = buffer.toString('utf8').split('\n').filter((line) => line !== '');
    // A cut first line is a fragment unless the read began at the start of the file.
    return (length < info.size ? lines.slice(1) : lines).slice(-LOG_LINES);
  } finally {
    await handle.close();
  }
}

async function checkScheduler(dir: string): Promise<DoctorReport['scheduler']> {
  const files = schedulerPaths(dir);
  const [running, holder, log] = await Promise.all([lockIsHeld(files.pid), readHolder(files.pid), logTail(files.log)]);
  return { running, pid: running ? (holder?.pid ?? null) : null, logPath: files.log, log };
}

export async function doctor(run: CliRun, command: Command): Promise<void> {
  const ctx = appContext(run, command);
  const settings = await ctx.settings();
  const dir = configDir(ctx.io.env);
  const chosen = settings.cloud?.value as CloudName | undefined;
  const progress = await ctx.out.progress();
  let checks: CheckedCloud[];
  let ip: DoctorReport['ip'];
  let scheduler: DoctorReport['scheduler'];
  try {
    progress.step('Checking credentials, IP detection and the scheduler…');
    [checks, ip, scheduler] = await Promise.all([
      Promise.all((chosen ? [chosen] : [...CLOUDS]).map((cloud) => checkCloud(ctx, settings, cloud))),
      checkIp(ctx),
      checkScheduler(dir),
    ]);
  } finally {
    progress.stop();
  }
  const cloudReady = checks.some((check) => check.ok);
  const ready = cloudReady && ip.ok;
  const report: DoctorReport = {
    configPath: `${dir}/config.json`,
    cloud: settings.cloud ? { value: settings.cloud.value, source: settings.cloud.source } : null,
    clouds: checks.map(({ exit: _exit, ...check }) => check),
    ip,
    scheduler,
    ready,
  };
  // Authentication is what failed when every cloud checked failed on it (and the rest worked).
  const authOnly = !cloudReady && checks.every((check) => check.exit === 4);
  run.exitCode = ready ? 0 : authOnly && ip.ok ? 4 : 1;
  // --quiet: nothing; the exit code says whether a request can work.
  const clouds = report.clouds.map((check) => ({ ...check, scope: check.scope ? scopeJson(check.scope) : null }));
  ctx.out.result({ ...report, clouds }, (c) => doctorText(c, report), () => []);
}

function mark(c: ChalkInstance, ok: boolean): string {
  return ok ? c.green('ok  ') : c.red('FAIL');
}

export function doctorText(c: ChalkInstance, report: DoctorReport): string {
  const lines = [`config     ${p(report.configPath)}`];
  lines.push(`cloud      ${report.cloud ? `${p(report.cloud.value)} (from ${report.cloud.source})` : c.dim('not set: both clouds checked')}`);
  for (const check of report.clouds) {
    lines.push(`${mark(c, check.ok)} ${check.cloud}  credentials: ${p(check.credentials)}`);
    if (check.identity) lines.push(`       signed in as ${p(check.identity)}`);
    if (check.scope) lines.push(`       scope: ${Object.entries(check.scope).map(([key, value]) => `${key} ${p(value)}`).join(', ')}`);
    if (check.error) {
      lines.push(`       ${c.red(p(check.error.message))}`);
      if (check.error.hint) lines.push(`       hint: ${p(check.error.hint)}`);
    }
  }
  const addresses = [report.ip.v4, report.ip.v6].filter((a): a is string => a !== null).join(', ');
  lines.push(`${mark(c, report.ip.ok)} public IP  ${report.ip.ok ? p(addresses) : p(report.ip.error ?? '')}`);
  const { scheduler } = report;
  lines.push(`scheduler  ${scheduler.running ? `running (pid ${scheduler.pid ?? '?'})` : c.dim('not running (it starts with the next grant)')}`);
  if (scheduler.log.length > 0) {
    lines.push(`log        ${p(scheduler.logPath)} (last ${scheduler.log.length} lines)`);
    for (const line of scheduler.log) lines.push(`  ${c.dim(p(line))}`);
  }
  lines.push(report.ready ? c.green('Ready: a request can work.') : c.red('Not ready: fix what is marked FAIL above.'));
  return lines.join('\n');
}
