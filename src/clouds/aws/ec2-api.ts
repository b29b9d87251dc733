/**
 * The narrow client seam (after aws-cdk's IEC2Client): only the EC2 and STS calls jit makes, over
 * `client.send`, each failure mapped to a JitError in one place (errors.ts). The provider depends
 * on these interfaces, so tests can wrap the real seam (to inject a failure on the N-th write) and
 * the SDK clients are built once, at the composition root (index.ts).
 */
import type {
  AuthorizeSecurityGroupEgressCommandInput,
  AuthorizeSecurityGroupEgressCommandOutput,
  AuthorizeSecurityGroupIngressCommandInput,
  AuthorizeSecurityGroupIngressCommandOutput,
  CreateSecurityGroupCommandInput,
  CreateSecurityGroupCommandOutput,
  CreateTagsCommandInput,
  DeleteSecurityGroupCommandInput,
  DeleteTagsCommandInput,
  DescribeInstancesCommandInput,
  DescribeInstancesCommandOutput,
  DescribeNetworkInterfacesCommandInput,
  DescribeNetworkInterfacesCommandOutput,
  DescribeSecurityGroupRulesCommandInput,
  DescribeSecurityGroupRulesCommandOutput,
  DescribeSecurityGroupsCommandInput,
  DescribeSecurityGroupsCommandOutput,
  EC2Client,
  ModifyInstanceAttributeCommandInput,
  RevokeSecurityGroupEgressCommandInput,
  RevokeSecurityGroupIngressCommandInput,
  UpdateSecurityGroupRuleDescriptionsIngressCommandInput,
} from '@aws-sdk/client-ec2';
import type { STSClient } from '@aws-sdk/client-sts';
import {
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
  ModifyInstanceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  UpdateSecurityGroupRuleDescriptionsIngressCommand,
  GetCallerIdentityCommand,
} from './sdk.js';
import { toJitError } from './errors.js';

export interface Ec2Api {
  describeInstances(input: DescribeInstancesCommandInput): Promise<DescribeInstancesCommandOutput>;
  describeSecurityGroups(input: DescribeSecurityGroupsCommandInput): Promise<DescribeSecurityGroupsCommandOutput>;
  describeSecurityGroupRules(
    input: DescribeSecurityGroupRulesCommandInput,
  ): Promise<DescribeSecurityGroupRulesCommandOutput>;
  describeNetworkInterfaces(
    input: DescribeNetworkInterfacesCommandInput,
  ): Promise<DescribeNetworkInterfacesCommandOutput>;
  createSecurityGroup(input: CreateSecurityGroupCommandInput): Promise<CreateSecurityGroupCommandOutput>;
  deleteSecurityGroup(input: DeleteSecurityGroupCommandInput): Promise<void>;
  authorizeSecurityGroupIngress(
    input: AuthorizeSecurityGroupIngressCommandInput,
  ): Promise<AuthorizeSecurityGroupIngressCommandOutput>;
  revokeSecurityGroupIngress(input: RevokeSecurityGroupIngressCommandInput): Promise<void>;
  authorizeSecurityGroupEgress(
    input: AuthorizeSecurityGroupEgressCommandInput,
  ): Promise<AuthorizeSecurityGroupEgressCommandOutput>;
  revokeSecurityGroupEgress(input: RevokeSecurityGroupEgressCommandInput): Promise<void>;
  updateSecurityGroupRuleDescriptionsIngress(
    input: UpdateSecurityGroupRuleDescriptionsIngressCommandInput,
  ): Promise<void>;
  modifyInstanceAttribute(input: ModifyInstanceAttributeCommandInput): Promise<void>;
  createTags(input: CreateTagsCommandInput): Promise<void>;
  deleteTags(input: DeleteTagsCommandInput): Promise<void>;
}

export interface StsApi {
  /** The caller's ARN. */
  callerArn(): Promise<string>;
}

async function mapped<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toJitError(error);
  }
}

export function ec2ApiOver(client: Pick<EC2Client, 'send'>): Ec2Api {
  return {
    describeInstances: (input) => mapped(() => client.send(new DescribeInstancesCommand(input))),
    describeSecurityGroups: (input) => mapped(() => client.send(new DescribeSecurityGroupsCommand(input))),
    describeSecurityGroupRules: (input) => mapped(() => client.send(new DescribeSecurityGroupRulesCommand(input))),
    describeNetworkInterfaces: (input) => mapped(() => client.send(new DescribeNetworkInterfacesCommand(input))),
    createSecurityGroup: (input) => mapped(() => client.send(new CreateSecurityGroupCommand(input))),
    deleteSecurityGroup: async (input) => {
      await mapped(() => client.send(new DeleteSecurityGroupCommand(input)));
    },
    authorizeSecurityGroupIngress: (input) =>
      mapped(() => client.send(new AuthorizeSecurityGroupIngressCommand(input))),
    revokeSecurityGroupIngress: async (input) => {
      await mapped(() => client.send(new RevokeSecurityGroupIngressCommand(input)));
    },
    authorizeSecurityGroupEgress: (input) => mapped(() => client.send(new AuthorizeSecurityGroupEgressCommand(input))),
    revokeSecurityGroupEgress: async (input) => {
      await mapped(() => client.send(new RevokeSecurityGroupEgressCommand(input)));
    },
    updateSecurityGroupRuleDescriptionsIngress: async (input) => {
      await mapped(() => client.send(new UpdateSecurityGroupRuleDescriptionsIngressCommand(input)));
    },
    modifyInstanceAttribute: async (input) => {
      await mapped(() => client.send(new ModifyInstanceAttributeCommand(input)));
    },
    createTags: async (input) => {
      await mapped(() => client.send(new CreateTagsCommand(input)));
    },
    deleteTags: async (input) => {
      await mapped(() => client.send(new DeleteTagsCommand(input)));
    },
  };
}

export function stsApiOver(client: Pick<STSClient, 'send'>): StsApi {
  return {
    callerArn: async () => {
      const identity = await mapped(() => client.send(new GetCallerIdentityCommand({})));
      if (!identity.Arn) throw new Error('STS GetCallerIdentity answered without an Arn.');
      return identity.Arn;
    },
  };
}
