/**
 * `list`, `doctor` and the connect advice through the built bin/jit.js (run `npm run build` first)
 * against the ARM emulator: the real Azure provider, credential chain (the fake `az`) and IP detection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArmEmulator, seedLinuxVm, startArmEmulator } from '../../emulators/arm/server.js';
import { LocalHttp } from '../../support/local-http.js';
import { type Cli, cliFor } from './support.js';

const AZ = ['--cloud', 'azure'];
let emu: ArmEmulator;
let cli: Cli;
let ipUrls = '';
const local = new LocalHttp();

beforeAll(async () => {
  emu = await startArmEmulator();
  seedLinuxVm(emu, { vmName: 'vm01', privateIp: '10.0.0.4', publicIp: '20.50.60.70', adminUsername: 'ops' });
  seedLinuxVm(emu, { vmName: 'vm02', privateIp: '10.0.0.5' });
  ipUrls = [await local.echo('81.2.69.77\n'), await local.echo('81.2.69.77\n')].join(',');
  cli = cliFor(emu);
});

afterAll(async () => {
  cli?.cleanup();
  await local.closeAll();
  await emu?.close();
});

describe('finding your way on Azure, end to end', () => {
  it('list is empty before enable, then shows vm01 with its policy and, after a request, my grant', async () => {
    expect((await cli.jit(['list', ...AZ])).json).toMatchObject({ vms: [] });
    expect((await cli.jit(['enable', 'vm01', ...AZ, '-p', '22'])).code).toBe(0);
    const request = await cli.jit(['request', 'vm01', ...AZ, '-d', '30m'], { JIT_IP_URLS: ipUrls });
    expect(request.code, request.stderr).toBe(0);
    expect(request.json).toMatchObject({ connect: { address: '20.50.60.70', public: true, user: 'ops', command: 'ssh ops@20.50.60.70' } });
    const listed = await cli.jit(['list', ...AZ]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json).toMatchObject({
      vms: [{ name: 'vm01', scope: { resourceGroup: 'rg-jit' }, policyTag: 'v1;p=22/tcp;d=3h', grants: [{ source: '81.2.69.77/32' }] }],
    });
  });

  it('doctor: the identity, the subscription in effect, the address and the running scheduler; exit 0', async () => {
    const doctor = await cli.jit(['doctor', ...AZ], { JIT_IP_URLS: ipUrls });
    expect(doctor.code, doctor.stderr).toBe(0);
    expect(doctor.json).toMatchObject({
      clouds: [{ cloud: 'azure', ok: true, identity: expect.any(String), scope: { subscription: expect.any(String) } }],
      ip: { ok: true, v4: '81.2.69.77' },
      scheduler: { running: true, pid: expect.any(Number) },
      ready: true,
    });
  });

  it('doctor with the Azure CLI signed out: not ready, and the sign-in failure named', async () => {
    const doctor = await cli.jit(['doctor', ...AZ], { JIT_IP_URLS: ipUrls, FAKE_AZ_FAIL: '1' });
    expect(doctor.code).not.toBe(0);
    expect(doctor.json).toMatchObject({ clouds: [{ cloud: 'azure', ok: false, error: { code: expect.stringMatching(/^JIT_AZURE_/) } }], ready: false });
  });
});
