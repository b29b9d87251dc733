import { closeSync, readFileSync, statSync, writeSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configDir, ensureConfigDir, openPrivateAppend } from '../../../src/config/paths.js';

const linux = { platform: 'linux', homedir: '/home/alice' } as const;

describe('configDir', () => {
  it.each([
    [
      'JIT_CONFIG_DIR wins',
      { JIT_CONFIG_DIR: '/tmp/jit-test', XDG_CONFIG_HOME: '/x' },
      linux,
      '/tmp/jit-test',
    ],
    ['relative JIT_CONFIG_DIR is made absolute', { JIT_CONFIG_DIR: 'state' }, linux, path.resolve('state')],
    ['empty JIT_CONFIG_DIR counts as unset', { JIT_CONFIG_DIR: '' }, linux, '/home/alice/.config/jit-access'],
    ['Linux, XDG_CONFIG_HOME', { XDG_CONFIG_HOME: '/cfg' }, linux, '/cfg/jit-access'],
    ['Linux default', {}, linux, '/home/alice/.config/jit-access'],
    [
      'macOS',
      {},
      { platform: 'darwin', homedir: '/Users/alice' },
      '/Users/alice/Library/Preferences/jit-access',
    ],
    [
      'Windows, APPDATA',
      { APPDATA: 'C:\\Users\\alice\\AppData\\Roaming' },
      { platform: 'win32', homedir: 'C:\\Users\\alice' },
      'C:\\Users\\alice\\AppData\\Roaming\\jit-access\\Config',
    ],
    [
      'Windows default',
      {},
      { platform: 'win32', homedir: 'C:\\Users\\alice' },
      'C:\\Users\\alice\\AppData\\Roaming\\jit-access\\Config',
    ],
  ] as const)('%s', (_, env, host, expected) => {
    expect(configDir(env, host)).toBe(expected);
  });
});

describe('ensureConfigDir', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'jit-paths-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates the directory and its parents private to the user', async () => {
    const dir = path.join(root, 'a', 'jit');
    await ensureConfigDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('leaves an existing directory as the user made it', async () => {
    const dir = path.join(root, 'shared');
    await mkdir(dir, { mode: 0o750 });
    await ensureConfigDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o750);
  });
});

describe('an unsafe config directory is refused (exit 2), with the command that fixes it', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'jit-paths-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const me = { platform: 'linux', uid: process.getuid!() } as const;

  it.each([
    [0o777, 'its group and other users'],
    [0o1777, 'its group and other users'],
    [0o770, 'its group'],
    [0o707, 'other users'],
  ])('mode %s: writable by %s', async (mode, who) => {
    const dir = path.join(root, 'shared dir');
    await mkdir(dir);
    await chmod(dir, mode);
    const error = await ensureConfigDir(dir, me).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'JIT_CONFIG_DIR_UNSAFE',
      exitCode: 2,
      message: expect.stringContaining(`The config directory ${dir} is writable by ${who}`),
      hint: `Run \`chmod 700 '${dir}'\` and try again.`,
    });
    // Left as it was: jit does not change a directory the user may share on purpose.
    expect(statSync(dir).mode & 0o7777).toBe(mode);
  });

  it('is accepted once fixed, and 0750 / 0755 (readable, not writable, by others) are fine', async () => {
    const dir = path.join(root, 'jit');
    await mkdir(dir, { mode: 0o777 });
    await chmod(dir, 0o777);
    await expect(ensureConfigDir(dir, me)).rejects.toMatchObject({ code: 'JIT_CONFIG_DIR_UNSAFE' });
    await chmod(dir, 0o700);
    await expect(ensureConfigDir(dir, me)).resolves.toBeUndefined();
    await chmod(dir, 0o755);
    await expect(ensureConfigDir(dir, me)).resolves.toBeUndefined();
  });

  it('refuses a directory owned by another user', async () => {
    const dir = path.join(root, 'theirs');
    await mkdir(dir, { mode: 0o700 });
    const other = { platform: 'linux', uid: process.getuid!() + 1 } as const;
    await expect(ensureConfigDir(dir, other)).rejects.toMatchObject({
      code: 'JIT_CONFIG_DIR_UNSAFE',
      exitCode: 2,
      message: expect.stringContaining(`${dir} belongs to uid ${process.getuid!()}, not to you (uid ${other.uid})`),
    });
  });

  it('skips the mode and owner checks on Windows', async () => {
    const dir = path.join(root, 'win');
    await mkdir(dir);
    await chmod(dir, 0o777);
    await expect(ensureConfigDir(dir, { platform: 'win32', uid: undefined })).resolves.toBeUndefined();
  });
});

describe('openPrivateAppend (the scheduler log)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'jit-log-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates the file 0600 and appends to it', async () => {
    const file = path.join(root, 'scheduler.log');
    for (const line of ['one\n', 'two\n']) {
      const fd = openPrivateAppend(file);
      writeSync(fd, line);
      closeSync(fd);
    }
    expect(readFileSync(file, 'utf8')).toBe('one\ntwo\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['to an existing file', true],
    ['dangling (it would create the target)', false],
  ])('refuses a symbolic link %s and writes nothing through it', async (_, exists) => {
    const target = path.join(root, 'elsewhere');
    if (exists) await writeFile(target, 'precious\n');
    const file = path.join(root, 'scheduler.log');
    await symlink(target, file);
    expect(() => openPrivateAppend(file)).toThrow(
      expect.objectContaining({ code: 'JIT_STATE_FILE_UNSAFE', exitCode: 2, message: expect.stringContaining(`${file} is a symbolic link`) }),
    );
    expect(await readlink(file)).toBe(target);
    if (exists) expect(readFileSync(target, 'utf8')).toBe('precious\n');
    else expect(() => statSync(target)).toThrow();
  });

  it('refuses something that is not a regular file', async () => {
    const file = path.join(root, 'scheduler.log');
    await mkdir(file);
    expect(() => openPrivateAppend(file)).toThrow();
  });
});
