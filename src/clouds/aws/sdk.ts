/**
 * Every value the AWS provider takes from the SDK, in one module. `npm run build` (scripts/build.mjs)
 * bundles jit with esbuild, which keeps exactly these: @aws-sdk/client-ec2 as installed is one 2 MB
 * CommonJS file holding all of EC2's ~700 commands, and loading it whole costs about half a second on
 * every jit command; the tree-shaken chunk loads in about a fifth of that.
 * Types are imported from the packages directly (they cost nothing at run time).
 */
export {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  UpdateSecurityGroupRuleDescriptionsIngressCommand,
} from '@aws-sdk/client-ec2';
export { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
