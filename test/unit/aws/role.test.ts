// The IAM documents cover every EC2 call jit makes, and keep requesters on jit's own resources.
import { describe, expect, it } from 'vitest';
import type { Ec2Api } from '../../../src/clouds/aws/ec2-api.js';
import { partitionOf, roleDocuments } from '../../../src/clouds/aws/role.js';

interface Statement {
  Sid: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, unknown>;
}

const SEAM_METHODS: (keyof Ec2Api)[] = [
  'describeInstances',
  'describeSecurityGroups',
  'describeSecurityGroupRules',
  'describeNetworkInterfaces',
  'createSecurityGroup',
  'deleteSecurityGroup',
  'authorizeSecurityGroupIngress',
  'revokeSecurityGroupIngress',
  'authorizeSecurityGroupEgress',
  'revokeSecurityGroupEgress',
  'updateSecurityGroupRuleDescriptionsIngress',
  'modifyInstanceAttribute',
  'createTags',
  'deleteTags',
];

/** What a requester's commands (request, revoke, status, list) call. */
const REQUESTER_METHODS: (keyof Ec2Api)[] = [
  'describeInstances',
  'describeSecurityGroups',
  'describeSecurityGroupRules',
  'authorizeSecurityGroupIngress',
  'revokeSecurityGroupIngress',
  'updateSecurityGroupRuleDescriptionsIngress',
  'createTags',
];

function actionOf(method: string): string {
  return `ec2:${method[0]?.toUpperCase()}${method.slice(1)}`;
}

function statements(document: unknown): Statement[] {
  return (document as { Statement: Statement[] }).Statement;
}

function actions(document: unknown): Set<string> {
  return new Set(statements(document).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
}

describe('role documents', () => {
  const { requester, admin } = roleDocuments();

  it('give the admin every call of the EC2 seam', () => {
    const granted = actions(admin);
    expect(SEAM_METHODS.map(actionOf).filter((action) => !granted.has(action))).toEqual([]);
  });

  it('give a requester what request/revoke/status need, and nothing that creates, deletes or re-attaches groups', () => {
    const granted = actions(requester);
    expect(REQUESTER_METHODS.map(actionOf).filter((action) => !granted.has(action))).toEqual([]);
    for (const action of ['ec2:CreateSecurityGroup', 'ec2:DeleteSecurityGroup', 'ec2:ModifyInstanceAttribute', 'ec2:DeleteTags']) {
      expect(granted.has(action)).toBe(false);
    }
  });

  it('tie every requester write on a security group to jit\'s tag', () => {
    const writes = statements(requester).filter((s) => s.Sid !== 'JitRead' && s.Resource === 'arn:aws:ec2:*:*:security-group/*');
    expect(writes.length).toBeGreaterThan(0);
    for (const statement of writes) expect(JSON.stringify(statement.Condition)).toContain('aws:ResourceTag/jit-access:managed');
  });

  it('are IAM policy documents', () => {
    for (const document of [requester, admin]) {
      expect(document).toMatchObject({ Version: '2012-10-17' });
      const sids = statements(document).map((s) => s.Sid);
      expect(new Set(sids).size).toBe(sids.length);
      expect(JSON.parse(JSON.stringify(document))).toEqual(document);
    }
  });
});

describe('partitionOf', () => {
  it.each([
    ['eu-west-1', 'aws'],
    ['us-east-1', 'aws'],
    ['il-central-1', 'aws'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-gov-east-1', 'aws-us-gov'],
    ['cn-north-1', 'aws-cn'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
    ['eu-isoe-west-1', 'aws-iso-e'],
    ['us-isof-south-1', 'aws-iso-f'],
    ['eusc-de-east-1', 'aws-eusc'],
    ['xx-unknown-9', 'aws'],
  ])('%s is in %s', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });

  it('names that partition in every ARN of both documents', () => {
    const text = JSON.stringify(roleDocuments('aws-us-gov'));
    expect(text).not.toContain('arn:aws:');
    expect(text).toContain('"arn:aws-us-gov:ec2:*:*:instance/*"');
  });
});
