import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConfig, readConfig } from '../../../src/config/store.js';

const mode = (file: string) => statSync(file).mode & 0o777;

let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'jit-config-'));
  // Not created yet, as on a first run with JIT_CONFIG_DIR pointing somewhere new.
  dir = path.join(root, 'jit');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('config store', () => {
  it('round-trips canonical values in a private config.json', async () => {
    const config = await openConfig(dir);
    expect(config.path).toBe(path.join(dir, 'config.json'));
    expect(mode(dir)).toBe(0o700);
    expect(config.list()).toEqual({});

    expect(config.set('duration', 'PT90M')).toBe('1h30m');
    expect(config.set('region', 'EU-WEST-1')).toBe('eu-west-1');
    expect(config.set('ip.services', 'https://a.example,https://b.example')).toBe(
      'https://a.example,https://b.example',
    );
    expect(config.get('duration')).toBe('1h30m');
    expect(config.get('cloud')).toBeUndefined();
    expect(mode(config.path)).toBe(0o600);

    // Flat keys, readable as they are listed; a fresh handle sees what the first one wrote.
    expect(JSON.parse(await readFile(config.path, 'utf8'))).toEqual({
      duration: '1h30m',
      region: 'eu-west-1',
      'ip.services': 'https://a.example,https://b.example',
    });
    expect((await openConfig(dir)).list()).toEqual({
      region: 'eu-west-1',
      duration: '1h30m',
      'ip.services': 'https://a.example,https://b.example',
    });

    config.unset('region');
    expect(config.list()).toEqual({
      duration: '1h30m',
      'ip.services': 'https://a.example,https://b.example',
    });
    expect(mode(config.path)).toBe(0o600);
  });

  it('does not create the file until something is set', async () => {
    const config = await openConfig(dir);
    expect(() => statSync(config.path)).toThrow();
  });

  it('refuses unknown keys and invalid values, writing nothing', async () => {
    const config = await openConfig(dir);
    expect(() => config.set('colour', 'blue')).toThrow(
      expect.objectContaining({ code: 'JIT_UNKNOWN_CONFIG_KEY' }),
    );
    expect(() => config.get('colour')).toThrow(expect.objectContaining({ code: 'JIT_UNKNOWN_CONFIG_KEY' }));
    expect(() => config.unset('colour')).toThrow(expect.objectContaining({ code: 'JIT_UNKNOWN_CONFIG_KEY' }));
    expect(() => config.set('cloud', 'gcp')).toThrow(expect.objectContaining({ code: 'JIT_INVALID_CONFIG' }));
    expect(config.list()).toEqual({});
  });

  it('lists only the keys it knows, so a newer jit’s settings do not break this one', async () => {
    const config = await openConfig(dir);
    await writeFile(config.path, JSON.stringify({ cloud: 'aws', 'future-key': 'x' }));
    expect(config.list()).toEqual({ cloud: 'aws' });
  });

  it('refuses a file that is not JSON, naming it and leaving it as it was', async () => {
    await openConfig(dir);
    const file = path.join(dir, 'config.json');
    await writeFile(file, '{"cloud": "aws",');
    await expect(openConfig(dir)).rejects.toMatchObject({ code: 'JIT_CONFIG_CORRUPT', exitCode: 2 });
    await expect(openConfig(dir)).rejects.toThrow(file);
    expect(await readFile(file, 'utf8')).toBe('{"cloud": "aws",');
  });

  it('refuses a known key that holds something other than text', async () => {
    const config = await openConfig(dir);
    await writeFile(config.path, JSON.stringify({ duration: 3600 }));
    expect(() => config.list()).toThrow(expect.objectContaining({ code: 'JIT_CONFIG_CORRUPT' }));
    expect(() => config.set('cloud', 'aws')).not.toThrow();
    expect(() => config.get('cloud')).toThrow(`${config.path}: "duration" holds 3600, not text.`);
  });
});

describe('config file whose top level is not an object', () => {
  it.each([
    ['[1,2,3]', 'an array'],
    ['"hello"', 'a string'],
    ['42', 'a number'],
    ['null', 'null'],
  ])('%s is JIT_CONFIG_CORRUPT naming the file, and set leaves it as it was', async (content, what) => {
    const config = await openConfig(dir);
    await writeFile(config.path, content);
    const corrupt = { code: 'JIT_CONFIG_CORRUPT', exitCode: 2, message: `The config file ${config.path} holds ${what}, not an object of settings.` };
    await expect(openConfig(dir)).rejects.toMatchObject(corrupt);
    expect(() => config.set('region', 'eu-west-1')).toThrow(expect.objectContaining(corrupt));
    expect(() => config.unset('region')).toThrow(expect.objectContaining(corrupt));
    expect(() => config.list()).toThrow(expect.objectContaining(corrupt));
    expect(await readFile(config.path, 'utf8')).toBe(content);
  });

  it('quotes a syntax error printable: control characters in the file never reach the terminal', async () => {
    await openConfig(dir);
    await writeFile(path.join(dir, 'config.json'), '\u001b]0;pwned\u0007');
    const error = await openConfig(dir).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'JIT_CONFIG_CORRUPT' });
    expect((error as Error).message).not.toMatch(/[\u0000-\u001f]/);
  });
});

// What every cloud command reads (readConfig, without conf) agrees with what `jit config` reads.
describe('readConfig: the settings a command reads', () => {
  it('no directory or no file is no settings, and creates nothing', async () => {
    expect(readConfig(dir)).toEqual({});
    await expect(readFile(path.join(dir, 'config.json'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reads what config set wrote, known keys only', async () => {
    const config = await openConfig(dir);
    config.set('region', 'eu-west-1');
    await writeFile(config.path, JSON.stringify({ ...JSON.parse(await readFile(config.path, 'utf8')), 'future-key': 'x' }));
    expect(readConfig(dir)).toEqual({ region: 'eu-west-1' });
    expect(readConfig(dir)).toEqual(config.list());
  });

  it.each([
    ['{"cloud": "aws",', /^The config file .*config\.json is not valid JSON/],
    ['[1,2,3]', /holds an array, not an object of settings\.$/],
    ['null', /holds null, not an object of settings\.$/],
    ['{"duration": 3600}', /"duration" holds 3600, not text\.$/],
  ])('%s is JIT_CONFIG_CORRUPT naming the file, as openConfig says', async (content, message) => {
    await openConfig(dir);
    await writeFile(path.join(dir, 'config.json'), content);
    expect(() => readConfig(dir)).toThrow(expect.objectContaining({ code: 'JIT_CONFIG_CORRUPT', exitCode: 2, message: expect.stringMatching(message) }));
    expect(() => readConfig(dir)).toThrow(path.join(dir, 'config.json'));
  });
});
