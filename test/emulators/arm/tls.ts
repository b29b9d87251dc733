// A throw-away certificate authority and a server certificate for 127.0.0.1 / localhost, made with the
// `openssl` CLI (Node 20 cannot create X.509 certificates itself). Made once and shared through a fixed
// directory under the temp dir, so parallel test workers (vitest forks are often killed without running
// exit handlers) neither pay for openssl each time nor litter the temp dir. The CA file must outlive any
// one emulator: subprocesses started with NODE_EXTRA_CA_CERTS read it at their start.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface EmulatorTls {
  /** PEM of the CA that signed the server certificate: trust this one. */
  caCert: string;
  /** Path of `caCert` on disk, for NODE_EXTRA_CA_CERTS. */
  caCertPath: string;
  key: string;
  cert: string;
  dir: string;
}

const DAYS = 30;
const REUSE_FOR_MS = 20 * 24 * 3600 * 1000;
const SHARED_DIR = path.join(tmpdir(), `jit-arm-emulator-tls-v1-${process.getuid?.() ?? 'user'}`);

let cached: EmulatorTls | undefined;

function load(dir: string, maxAgeMs = Number.POSITIVE_INFINITY): EmulatorTls | undefined {
  try {
    const caCertPath = path.join(dir, 'ca.pem');
    if (Date.now() - statSync(caCertPath).mtimeMs > maxAgeMs) return undefined;
    return {
      dir,
      caCertPath,
      caCert: readFileSync(caCertPath, 'utf8'),
      key: readFileSync(path.join(dir, 'server.key'), 'utf8'),
      cert: readFileSync(path.join(dir, 'server.pem'), 'utf8'),
    };
  } catch {
    return undefined;
  }
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function generate(dir: string): void {
  // P-256 keys: generation is instant, unlike RSA, which matters on a 2-core machine.
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const days = ['-days', String(DAYS)];
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      ...days,
      '-subj',
      '/CN=jit ARM emulator test CA',
    ],
    dir,
  );
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  // Node checks the subjectAltName, never the CN, so the SAN must list the exact address clients dial.
  writeFileSync(
    path.join(dir, 'server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n',
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      ...days,
      '-extfile',
      'server.ext',
    ],
    dir,
  );
}

export function emulatorTls(): EmulatorTls {
  cached ??= load(SHARED_DIR, REUSE_FOR_MS);
  if (cached) return cached;
  // Build in a private directory, then publish it with an atomic rename; a worker that loses the race
  // uses the winner's files.
  const fresh = mkdtempSync(`${SHARED_DIR}-tmp-`);
  generate(fresh);
  try {
    rmSync(SHARED_DIR, { recursive: true, force: true }); // only reached when missing or stale
    renameSync(fresh, SHARED_DIR);
  } catch {
    // Another worker published first (or the rename failed): prefer the shared copy.
  }
  cached = load(SHARED_DIR, REUSE_FOR_MS);
  if (cached) {
    rmSync(fresh, { recursive: true, force: true });
    return cached;
  }
  cached = load(fresh);
  if (!cached) throw new Error(`could not create the ARM emulator's certificates in ${fresh}`);
  process.once('exit', () => rmSync(fresh, { recursive: true, force: true }));
  return cached;
}
