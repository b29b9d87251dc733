/**
 * Least-privilege IAM policies for `jit role --cloud aws`. Tag conditions keep a requester on jit's
 * own groups and rules; what IAM cannot narrow (revoking and restoring the internet rules of the
 * instance's own groups) is the admin's. Sources: EC2's condition keys for security groups and
 * rules (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html),
 * tag-on-create with ec2:CreateAction
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html), and
 * the tag-scoped security-group example
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_ec2_securitygroups-vpc.html).
 * sts:GetCallerIdentity needs no permission.
 */
import type { RoleDocuments } from '../../core/ports.js';
import { POLICY_TAG } from '../../core/policy.js';
import { RECORD_VERSION, TAGS } from './records.js';

/**
 * The partition of a region, by the region-name patterns of the SDK's partition table
 * (`partitionsInfo` in @aws-sdk/core's client submodule, the endpoints ruleset's `aws.partition`):
 * an ARN names its partition, and a policy written for `aws` grants nothing in GovCloud or China.
 */
const PARTITIONS: [RegExp, string][] = [
  [/^cn-\w+-\d+$/, 'aws-cn'],
  [/^us-gov-\w+-\d+$/, 'aws-us-gov'],
  [/^us-iso-\w+-\d+$/, 'aws-iso'],
  [/^us-isob-\w+-\d+$/, 'aws-iso-b'],
  [/^eu-isoe-\w+-\d+$/, 'aws-iso-e'],
  [/^us-isof-\w+-\d+$/, 'aws-iso-f'],
  [/^eusc-de-\w+-\d+$/, 'aws-eusc'],
];

/** `aws` for the commercial regions and for a region the table does not know, as the SDK does. */
export function partitionOf(region: string): string {
  return PARTITIONS.find(([pattern]) => pattern.test(region))?.[1] ?? 'aws';
}

function statementsFor(partition: string) {
  const GROUP = `arn:${partition}:ec2:*:*:security-group/*`;
  const RULE = `arn:${partition}:ec2:*:*:security-group-rule/*`;
  const INSTANCE = `arn:${partition}:ec2:*:*:instance/*`;
  const VPC = `arn:${partition}:ec2:*:*:vpc/*`;

  const requesterStatements = [
    {
      Sid: 'JitRead',
      Effect: 'Allow',
      Action: ['ec2:DescribeInstances', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules'],
      Resource: '*',
    },
    {
      Sid: 'JitGrantRulesOnJitGroupsOnly',
      Effect: 'Allow',
      Action: [
        'ec2:AuthorizeSecurityGroupIngress',
        'ec2:RevokeSecurityGroupIngress',
        'ec2:UpdateSecurityGroupRuleDescriptionsIngress',
      ],
      Resource: GROUP,
      Condition: { StringEquals: { [`aws:ResourceTag/${TAGS.managed}`]: RECORD_VERSION } },
    },
    {
      Sid: 'JitGrantRules',
      Effect: 'Allow',
      Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'],
      Resource: RULE,
    },
    {
      Sid: 'JitTagGrantRulesWhenCreated',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: RULE,
      Condition: {
        StringEquals: { 'ec2:CreateAction': 'AuthorizeSecurityGroupIngress' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [TAGS.grant, TAGS.expires, TAGS.requester] },
      },
    },
    {
      Sid: 'JitExtendGrantRules',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: RULE,
      Condition: {
        Null: { [`aws:ResourceTag/${TAGS.grant}`]: 'false' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [TAGS.expires, TAGS.requester] },
      },
    },
  ];

  const adminStatements = [
    {
      Sid: 'JitAdminRead',
      Effect: 'Allow',
      Action: ['ec2:DescribeNetworkInterfaces'],
      Resource: '*',
    },
    {
      Sid: 'JitCreateGroups',
      Effect: 'Allow',
      Action: 'ec2:CreateSecurityGroup',
      Resource: GROUP,
      Condition: { StringLike: { [`aws:RequestTag/${TAGS.instance}`]: 'i-*' } },
    },
    { Sid: 'JitCreateGroupsInVpcs', Effect: 'Allow', Action: 'ec2:CreateSecurityGroup', Resource: VPC },
    {
      Sid: 'JitTagGroupsWhenCreated',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: GROUP,
      Condition: { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' } },
    },
    {
      Sid: 'JitManageOwnGroups',
      Effect: 'Allow',
      Action: [
        'ec2:DeleteSecurityGroup',
        'ec2:CreateTags',
        'ec2:DeleteTags',
        'ec2:AuthorizeSecurityGroupEgress',
        'ec2:RevokeSecurityGroupEgress',
      ],
      Resource: GROUP,
      Condition: { StringLike: { [`aws:ResourceTag/${TAGS.instance}`]: 'i-*' } },
    },
    {
      Sid: 'JitLockDownAndRestoreInstanceGroups',
      Effect: 'Allow',
      Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'],
      Resource: [GROUP, RULE],
    },
    {
      Sid: 'JitAttachGroups',
      Effect: 'Allow',
      Action: 'ec2:ModifyInstanceAttribute',
      Resource: [INSTANCE, GROUP],
    },
    {
      Sid: 'JitPolicyTag',
      Effect: 'Allow',
      Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
      Resource: INSTANCE,
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [POLICY_TAG] } },
    },
  ];

  return { requesterStatements, adminStatements };
}

/** The requester and admin policies, their ARNs in `partition` (see partitionOf). */
export function roleDocuments(partition = 'aws'): RoleDocuments {
  const { requesterStatements, adminStatements } = statementsFor(partition);
  return {
    requester: { Version: '2012-10-17', Statement: requesterStatements },
    admin: { Version: '2012-10-17', Statement: [...requesterStatements, ...adminStatements] },
  };
}
