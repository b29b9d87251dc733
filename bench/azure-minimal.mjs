// The unavoidable ARM calls of one `jit request` on a VM with one NIC and two NSGs, made as fast as
// the SDK allows and nothing else: token (via az), list VMs to find it, its NIC, the subnet and both
// NSGs (in parallel where independent), the management locks on both NSGs (jit must know no lock
// would keep it from deleting what it writes), then the allow rule PUT on both NSGs in parallel,
// awaited to completion. The bench compares a whole `jit request` process against this whole
// process. The clients come from a bundle of the same SDK code jit ships (its path is the first
// argument, built by bench/run.ts), so the ratio measures jit's own overhead.
const [sdk, endpoint, subscription, vmName, source, priority] = process.argv.slice(2);
const { AzureCliCredential, ComputeManagementClient, NetworkManagementClient, createPipelineRequest } =
  await import(sdk);

const credential = new AzureCliCredential();
const scopes = [`https://management.azure.com/.default`];
const compute = new ComputeManagementClient(credential, subscription, { endpoint, credentials: { scopes } });
const network = new NetworkManagementClient(credential, subscription, { endpoint, credentialScopes: scopes });
const parse = (id) => {
  const parts = id.split('/');
  return { rg: parts[4], name: parts[parts.length - 1] };
};

let vm;
for await (const candidate of compute.virtualMachines.listAll()) if (candidate.name === vmName) vm = candidate;
const nicRef = parse(vm.networkProfile.networkInterfaces[0].id);
const nic = await network.networkInterfaces.get(nicRef.rg, nicRef.name);
const subnetParts = nic.ipConfigurations[0].subnet.id.split('/');
const getNsg = (id) => network.networkSecurityGroups.get(parse(id).rg, parse(id).name);
const [nicNsg, subnet] = await Promise.all([
  getNsg(nic.networkSecurityGroup.id),
  network.subnets.get(subnetParts[4], subnetParts[8], subnetParts[10]),
]);
const subnetNsg = await getNsg(subnet.networkSecurityGroup.id);
await Promise.all(
  [nicNsg, subnetNsg].map((nsg) =>
    network.sendRequest(
      createPipelineRequest({
        url: `${endpoint}${nsg.id}/providers/Microsoft.Authorization/locks?api-version=2016-09-01&$filter=atScope()`,
        method: 'GET',
      }),
    ),
  ),
);
const rule = {
  priority: Number(priority),
  direction: 'Inbound',
  access: 'Allow',
  protocol: 'Tcp',
  sourceAddressPrefix: source,
  sourcePortRange: '*',
  destinationAddressPrefix: nic.ipConfigurations[0].privateIPAddress,
  destinationPortRange: '22',
};
await Promise.all(
  [nicNsg, subnetNsg].map((nsg) =>
    network.securityRules.beginCreateOrUpdateAndWait(parse(nsg.id).rg, nsg.name, `bench-${priority}`, rule),
  ),
);
