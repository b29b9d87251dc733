// `jit enable` on EC2 decided from a snapshot: every behaviour of the lock-down, each case with its whole plan.
import { describe, expect, it } from 'vitest';
import type { GroupView } from '../../../src/clouds/aws/inventory.js';
import {
  type AwsLockdownPlan,
  type AwsLockdownSnapshot,
  groupsToCheck,
  groupsToRead,
  type LockdownAction,
  type LockdownOptions,
  planAwsLockdown,
} from '../../../src/clouds/aws/lockdown-plan.js';
import { encodeRevoked, encodeSwap, recordKey } from '../../../src/clouds/aws/records.js';
import { parseSourceToken, type SgRule } from '../../../src/clouds/aws/rules.js';
import type { Policy, PortRange } from '../../../src/core/model.js';
import { buildPolicy, encodePolicy } from '../../../src/core/policy.js';

const I = 'i-0123456789abcdef0';
const VPC = 'vpc-0123';
const JIT_NAME = `jit-access-${I}`;
const APP = 'sg-0a01';
const OPS = 'sg-0a02';
const DB = 'sg-0a03';
const JIT = 'sg-0f00';
const COPY = 'sg-0c01';
const NEIGHBOUR = 'i-0fedcba9876543210';

const ssh: PortRange = { from: 22, to: 22, protocol: 'tcp' };
const rdp: PortRange = { from: 3389, to: 3389, protocol: 'tcp' };
const SSH = buildPolicy({ ports: [ssh] });
const RDP = buildPolicy({ ports: [rdp] });
const SSH_RDP = buildPolicy({ ports: [ssh, rdp] });
const DEFAULTS: LockdownOptions = { includeNarrow: false, isolate: false };
const NARROW: LockdownOptions = { includeNarrow: true, isolate: false };
const ISOLATE: LockdownOptions = { includeNarrow: false, isolate: true };

/** `rule('sgr-1', APP, 'tcp 22 0.0.0.0/0')`; ports `a-b`, or `all` for protocol -1. */
function rule(ruleId: string, groupId: string, text: string, extra: Partial<SgRule> = {}): SgRule {
  const [protocol = '', ports = '', token = ''] = text.split(' ');
  const [from, to] = ports === 'all' ? [-1, -1] : ports.split('-').map(Number);
  const source = parseSourceToken(token);
  if (!source) throw new Error(`bad source ${token}`);
  return { groupId, ruleId, protocol, from: from as number, to: to ?? (from as number), source, tags: {}, ...extra };
}

function group(id: string, name: string, ingress: SgRule[], extra: Partial<GroupView> = {}): GroupView {
  return { id, name, vpcId: VPC, description: '', tags: {}, ingress, egress: [], ...extra };
}

/** The group `app` (APP) with these rules. */
const one = (name: string, ingress: SgRule[]) => group(APP, name, ingress);

const base = { 'jit-access:managed': 'v1', 'jit-access:instance': I };

/** The jit group, with the records of `revoked` rules and of `swaps` ([original, copy]) as tags. */
function jitGroup(revoked: SgRule[] = [], swaps: [string, string][] = [], ingress: SgRule[] = []): GroupView {
  const tags = [...revoked.flatMap(encodeRevoked), ...swaps.map(([original, copy]) => encodeSwap(original, copy))];
  return group(JIT, JIT_NAME, ingress, { tags: { ...base, ...Object.fromEntries(tags.map((t) => [t.Key, t.Value])) } });
}

interface World {
  attached: string[];
  groups: GroupView[];
  jit?: GroupView;
  users?: Record<string, string[]>;
  vpcId?: string | undefined;
  interfaces?: number;
  policyTag?: string;
}

function snapshot(world: World): AwsLockdownSnapshot {
  return {
    instance: {
      id: I,
      vpcId: 'vpcId' in world ? world.vpcId : VPC,
      interfaces: world.interfaces ?? 1,
      groups: world.attached,
      tags: world.policyTag ? { Name: 'vm01', 'jit-access': world.policyTag } : { Name: 'vm01' },
    },
    jit: world.jit,
    groups: new Map(world.groups.map((g) => [g.id, g])),
    users: new Map(Object.entries(world.users ?? {})),
  };
}

const label = (g: GroupView) => ({ id: g.id, name: g.name });
const createJit: LockdownAction = {
  kind: 'create-group',
  name: JIT_NAME,
  description: `jit-access: just-in-time access rules for ${I}`,
  vpcId: VPC,
  tags: base,
};
const setGroups = (before: string[], after: string[], detached: [GroupView, string][] = []): LockdownAction => ({
  kind: 'set-groups',
  before,
  after,
  detached: detached.map(([g, copy]) => ({ group: label(g), copy })),
});
const record = (...rules: SgRule[]): LockdownAction => ({ kind: 'record-revoked', count: rules.length, tags: rules.flatMap(encodeRevoked) });
const revoke = (g: GroupView, ...rules: SgRule[]): LockdownAction => ({ kind: 'revoke', group: label(g), rules });
const policyTag = (policy: Policy): LockdownAction => ({ kind: 'set-policy-tag', value: encodePolicy(policy) });
/** A first enable for SSH of an instance with the one group `app` whose `rules` offend: the whole plan. */
const firstSshLockdown = (...rules: SgRule[]): LockdownAction[] => [
  createJit,
  setGroups([APP], [APP, JIT_NAME]),
  record(...rules),
  revoke(one('app', []), ...rules),
  policyTag(SSH),
];
/** --isolate's copy of `original` (written out whole in the first --isolate case). */
const createCopy = (original: GroupView, name: string, omitted: SgRule[], ingress: SgRule[]): LockdownAction => ({
  kind: 'create-group',
  name,
  description: `jit-access: copy of ${original.id} for ${I}, without its internet rules on the policy ports`,
  vpcId: VPC,
  tags: { 'jit-access:copy-of': original.id, 'jit-access:instance': I },
  copy: { of: label(original), omitted, ingress, egress: original.egress },
});
const recordSwap = (original: GroupView, copy: string): LockdownAction => ({
  kind: 'record-swaps',
  swaps: [{ original: label(original), copy }],
});
/** A rule as the jit group's record gives it back. */
function recorded(r: SgRule) {
  const { ruleId: _ruleId, tags: _tags, ...rest } = r;
  return { ...rest, key: recordKey(r) };
}

type Outcome =
  | { actions: LockdownAction[]; notes: string[] }
  | { refused: { code: string; exitCode: number; message: string; hint?: string; details?: unknown } };

function outcome(plan: AwsLockdownPlan): Outcome {
  if (plan.ok) return { actions: plan.actions, notes: plan.notes };
  const { code, exitCode, message, hint, details } = plan.error;
  return { refused: { code, exitCode, message, ...(hint ? { hint } : {}), ...(details ? { details } : {}) } };
}

// The instance's groups, as most cases have them.
const worldSsh = rule('sgr-01', APP, 'tcp 22 0.0.0.0/0', { description: 'SSH from anywhere' });
const vpnSsh = rule('sgr-02', APP, 'tcp 22 10.8.0.0/16', { description: 'VPN' });
const https = rule('sgr-03', APP, 'tcp 443 0.0.0.0/0', { description: 'HTTPS' });
const app = group(APP, 'app', [worldSsh, vpnSsh, https]);
const worldSsh6 = rule('sgr-04', OPS, 'tcp 22 ::/0');
const officeRdp = rule('sgr-05', OPS, 'tcp 3389 192.0.2.0/24');
const ops = group(OPS, 'ops', [worldSsh6, officeRdp]);
/** Admits the members of its own group. */
const selfRule = rule('sgr-20', APP, 'tcp 0-65535 sg-0a01');

const VPN_NOTE = `${APP} (app) sgr-02 tcp 22 from 10.8.0.0/16 "VPN" is not open to the internet and keeps working (--include-narrow revokes it too).`;

function wideNote(g: string, text: string): string {
  return `${g} ${text} opens more than the policy's ports; it is revoked whole (jit never rewrites a rule it did not create), so its other ports are closed to the internet as well until \`jit disable\` restores it.`;
}

const LONG = 'a'.repeat(255);
/** EC2 group names hold 255 characters: the copy's name cuts the original's to fit its suffix. */
const LONG_COPY = `${'a'.repeat(255 - `-jit-${I}`.length)}-jit-${I}`;

interface Case {
  world: World;
  policy?: Policy;
  options?: LockdownOptions;
  expected: Outcome;
}

const cases: Record<string, Case> = {
  // ---- refusals ----------------------------------------------------------------------------------
  'an instance outside a VPC is refused': {
    world: { attached: [APP], groups: [app], vpcId: undefined },
    expected: {
      refused: { code: 'JIT_AWS_NO_VPC', exitCode: 1, message: `Instance ${I} is not in a VPC; jit manages VPC security groups.` },
    },
  },
  'an instance with two network interfaces is refused': {
    world: { attached: [APP], groups: [app], interfaces: 2 },
    expected: {
      refused: {
        code: 'JIT_AWS_MULTIPLE_INTERFACES',
        exitCode: 1,
        message: `Instance ${I} has 2 network interfaces; jit manages the security groups of single-interface instances only.`,
        hint: 'Nothing was changed. Lock the ports down on each interface\'s groups by hand.',
      },
    },
  },
  'a hand-edited record on the jit group is refused, not guessed at': {
    world: {
      attached: [APP, JIT],
      groups: [app],
      jit: group(JIT, JIT_NAME, [], { tags: { ...base, 'jit-access:revoked:0123456789ab': 'v1;sg-0a01;tcp;22' } }),
    },
    expected: {
      refused: {
        code: 'JIT_AWS_RECORD_CORRUPT',
        exitCode: 1,
        message: 'The jit group\'s tag jit-access:revoked:0123456789ab="v1;sg-0a01;tcp;22" is not a jit record: expected v1;<group>;<protocol>;<from>;<to>;<source>.',
        hint: 'It was edited by hand. Restore the tag, or remove it and restore the rule it described yourself.',
      },
    },
  },
  'a group shared with another instance and an interface is not edited in place': {
    world: { attached: [APP, OPS], groups: [app, ops], users: { [APP]: [NEIGHBOUR, 'eni-0b (ELB app/web)'], [OPS]: [] } },
    expected: {
      refused: {
        code: 'JIT_AWS_GROUP_SHARED',
        exitCode: 2,
        message: `jit would revoke internet rules from ${APP} (app) (used by ${NEIGHBOUR}, eni-0b (ELB app/web)), but a group shared with other instances or interfaces is not edited in place. Nothing was changed.`,
        hint: 'Pass --isolate to give this instance its own copy of the group without those rules (the others keep theirs), or move the others off the group first.',
        details: {
          groups: [
            {
              groupId: APP,
              groupName: 'app',
              usedBy: [NEIGHBOUR, 'eni-0b (ELB app/web)'],
              rules: [`${APP} (app) sgr-01 tcp 22 from 0.0.0.0/0 "SSH from anywhere"`],
            },
          ],
        },
      },
    },
  },
  'two shared groups are named in one refusal': {
    world: { attached: [APP, OPS], groups: [app, ops], users: { [APP]: [NEIGHBOUR], [OPS]: [NEIGHBOUR] } },
    expected: {
      refused: {
        code: 'JIT_AWS_GROUP_SHARED',
        exitCode: 2,
        message: `jit would revoke internet rules from ${APP} (app) (used by ${NEIGHBOUR}); ${OPS} (ops) (used by ${NEIGHBOUR}), but a group shared with other instances or interfaces is not edited in place. Nothing was changed.`,
        hint: 'Pass --isolate to give this instance its own copy of the group without those rules (the others keep theirs), or move the others off the group first.',
        details: {
          groups: [
            { groupId: APP, groupName: 'app', usedBy: [NEIGHBOUR], rules: [`${APP} (app) sgr-01 tcp 22 from 0.0.0.0/0 "SSH from anywhere"`] },
            { groupId: OPS, groupName: 'ops', usedBy: [NEIGHBOUR], rules: [`${OPS} (ops) sgr-04 tcp 22 from ::/0`] },
          ],
        },
      },
    },
  },
  'records that would not fit in 50 tags are refused before writing': {
    world: {
      attached: [APP],
      groups: [
        one(
          'app',
          Array.from({ length: 25 }, (_, i) => rule(`sgr-${i}`, APP, `tcp 22-${22 + i} 0.0.0.0/0`, { description: `r${i}` })),
        ),
      ],
    },
    expected: {
      refused: {
        code: 'JIT_AWS_TOO_MANY_RECORDS',
        exitCode: 1,
        message: `Recording the 25 rule(s) to revoke would need 52 tags on ${JIT_NAME}; EC2 allows 50. Nothing was changed.`,
        hint: 'Merge the instance groups\' internet rules for the policy ports into fewer rules, then run `jit enable` again.',
      },
    },
  },

  // ---- a first enable ----------------------------------------------------------------------------
  'nothing open: the jit group is still made and attached, and the policy tagged': {
    world: { attached: [APP], groups: [one('app', [https])] },
    expected: { actions: [createJit, setGroups([APP], [APP, JIT_NAME]), policyTag(SSH)], notes: [] },
  },
  'internet SSH over IPv4 is recorded, then revoked; narrow and other ports stay': {
    world: { attached: [APP], groups: [app] },
    expected: {
      actions: [createJit, setGroups([APP], [APP, JIT_NAME]), record(worldSsh), revoke(app, worldSsh), policyTag(SSH)],
      notes: [VPN_NOTE],
    },
  },
  'the exact record of a rule with a description: two tags, the description verbatim': {
    world: { attached: [APP], groups: [one('app', [worldSsh])] },
    expected: {
      actions: [
        createJit,
        setGroups([APP], [APP, JIT_NAME]),
        {
          kind: 'record-revoked',
          count: 1,
          tags: [
            { Key: recordKey(worldSsh), Value: 'v1;sg-0a01;tcp;22;22;0.0.0.0/0' },
            { Key: `${recordKey(worldSsh)}:description`, Value: 'SSH from anywhere' },
          ],
        },
        revoke(one('app', [worldSsh]), worldSsh),
        policyTag(SSH),
      ],
      notes: [],
    },
  },
  'internet SSH over IPv6 (::/0), without a description: one tag': {
    world: { attached: [OPS], groups: [ops] },
    expected: {
      actions: [
        createJit,
        setGroups([OPS], [OPS, JIT_NAME]),
        { kind: 'record-revoked', count: 1, tags: [{ Key: recordKey(worldSsh6), Value: 'v1;sg-0a02;tcp;22;22;::/0' }] },
        revoke(ops, worldSsh6),
        policyTag(SSH),
      ],
      notes: [],
    },
  },
  'several groups: each revokes its own rules, recorded together first, in the instance\'s group order': {
    world: { attached: [OPS, APP], groups: [app, ops] },
    policy: SSH_RDP,
    expected: {
      actions: [
        createJit,
        setGroups([OPS, APP], [OPS, APP, JIT_NAME]),
        record(worldSsh6, worldSsh),
        revoke(ops, worldSsh6),
        revoke(app, worldSsh),
        policyTag(SSH_RDP),
      ],
      notes: [
        `${OPS} (ops) sgr-05 tcp 3389 from 192.0.2.0/24 is not open to the internet and keeps working (--include-narrow revokes it too).`,
        VPN_NOTE,
      ],
    },
  },
  '--include-narrow revokes the narrow rules on policy ports too, and leaves other ports': {
    world: { attached: [APP, OPS], groups: [app, ops] },
    policy: SSH_RDP,
    options: NARROW,
    expected: {
      actions: [
        createJit,
        setGroups([APP, OPS], [APP, OPS, JIT_NAME]),
        record(worldSsh, vpnSsh, worldSsh6, officeRdp),
        revoke(app, worldSsh, vpnSsh),
        revoke(ops, worldSsh6, officeRdp),
        policyTag(SSH_RDP),
      ],
      notes: [],
    },
  },
  'a prefix list or a group as source is narrow: kept and named': {
    world: {
      attached: [APP],
      groups: [one('app', [rule('sgr-06', APP, 'tcp 22 pl-0abc'), rule('sgr-07', APP, 'tcp 22 123456789012/sg-0b0b')])],
    },
    expected: {
      actions: [createJit, setGroups([APP], [APP, JIT_NAME]), policyTag(SSH)],
      notes: [
        `${APP} (app) sgr-06 tcp 22 from pl-0abc is not open to the internet and keeps working (--include-narrow revokes it too).`,
        `${APP} (app) sgr-07 tcp 22 from 123456789012/sg-0b0b is not open to the internet and keeps working (--include-narrow revokes it too).`,
      ],
    },
  },
  'a range that overlaps the policy port partly is revoked whole, and said so': {
    world: { attached: [APP], groups: [one('app', [rule('sgr-08', APP, 'tcp 20-25 0.0.0.0/0')])] },
    expected: {
      actions: firstSshLockdown(rule('sgr-08', APP, 'tcp 20-25 0.0.0.0/0')),
      notes: [wideNote(`${APP} (app)`, 'sgr-08 tcp 20-25 from 0.0.0.0/0')],
    },
  },
  'a range exactly covered by the policy ports opens nothing more': {
    world: { attached: [APP], groups: [one('app', [rule('sgr-09', APP, 'tcp 22-23 ::/0')])] },
    policy: buildPolicy({ ports: [ssh, { from: 23, to: 23, protocol: 'tcp' }] }),
    expected: {
      actions: [
        createJit,
        setGroups([APP], [APP, JIT_NAME]),
        record(rule('sgr-09', APP, 'tcp 22-23 ::/0')),
        revoke(one('app', []), rule('sgr-09', APP, 'tcp 22-23 ::/0')),
        policyTag(buildPolicy({ ports: [ssh, { from: 23, to: 23, protocol: 'tcp' }] })),
      ],
      notes: [],
    },
  },
  'all traffic (protocol -1) from the internet is revoked whole, and said so': {
    world: { attached: [APP], groups: [one('app', [rule('sgr-10', APP, '-1 all 0.0.0.0/0', { description: 'everything' })])] },
    expected: {
      actions: firstSshLockdown(rule('sgr-10', APP, '-1 all 0.0.0.0/0', { description: 'everything' })),
      notes: [wideNote(`${APP} (app)`, 'sgr-10 all traffic from 0.0.0.0/0 "everything"')],
    },
  },
  'a protocol given by number (6 is TCP) counts as TCP': {
    world: { attached: [APP], groups: [one('app', [rule('sgr-11', APP, '6 22 0.0.0.0/0')])] },
    expected: {
      actions: firstSshLockdown(rule('sgr-11', APP, '6 22 0.0.0.0/0')),
      notes: [],
    },
  },
  'UDP on the port, ICMP and other ports are not the policy\'s: untouched': {
    world: {
      attached: [APP],
      groups: [
        one('app', [
          rule('sgr-12', APP, 'udp 22 0.0.0.0/0'),
          rule('sgr-13', APP, 'icmp -1 0.0.0.0/0'),
          rule('sgr-14', APP, 'tcp 2222 0.0.0.0/0'),
        ]),
      ],
    },
    expected: { actions: [createJit, setGroups([APP], [APP, JIT_NAME]), policyTag(SSH)], notes: [] },
  },
  'a revoked rule\'s own tags are lost with it, and said so': {
    world: { attached: [APP], groups: [one('app', [rule('sgr-15', APP, 'tcp 22 0.0.0.0/0', { tags: { owner: 'web', cost: 'x' } })])] },
    expected: {
      actions: firstSshLockdown(rule('sgr-15', APP, 'tcp 22 0.0.0.0/0', { tags: { owner: 'web', cost: 'x' } })),
      notes: [
        `${APP} (app) sgr-15 tcp 22 from 0.0.0.0/0 has tags of its own (owner, cost); \`jit disable\` restores the rule exactly but not its tags, which EC2 drops with the rule.`,
      ],
    },
  },
  'an attached group that no longer exists is passed over': {
    world: { attached: [APP, DB], groups: [app] },
    expected: {
      actions: [
        createJit,
        setGroups([APP, DB], [APP, DB, JIT_NAME]),
        record(worldSsh),
        revoke(app, worldSsh),
        policyTag(SSH),
      ],
      notes: [VPN_NOTE],
    },
  },
  'a group no one else uses is edited in place (the users were asked, none found)': {
    world: { attached: [APP], groups: [app], users: { [APP]: [] } },
    expected: {
      actions: [createJit, setGroups([APP], [APP, JIT_NAME]), record(worldSsh), revoke(app, worldSsh), policyTag(SSH)],
      notes: [VPN_NOTE],
    },
  },
  'a shared group with nothing to revoke is no reason to refuse': {
    world: { attached: [APP], groups: [one('app', [vpnSsh, https])], users: { [APP]: [NEIGHBOUR] } },
    expected: { actions: [createJit, setGroups([APP], [APP, JIT_NAME]), policyTag(SSH)], notes: [VPN_NOTE] },
  },

  // ---- an instance jit has enabled before ------------------------------------------------------
  'enabled already with the same policy: nothing to do': {
    world: { attached: [APP, JIT], groups: [one('app', [vpnSsh, https])], jit: jitGroup([worldSsh]), policyTag: encodePolicy(SSH) },
    expected: { actions: [], notes: [VPN_NOTE] },
  },
  'the jit group and its grant rules are jit\'s own: never recorded or revoked': {
    world: {
      attached: [APP, JIT],
      groups: [one('app', [https])],
      jit: jitGroup([], [], [rule('sgr-16', JIT, 'tcp 22 0.0.0.0/0', { description: 'jit grant g1' })]),
      policyTag: encodePolicy(SSH),
    },
    expected: { actions: [], notes: [] },
  },
  'the jit group exists but was detached: it is reused and attached again': {
    world: { attached: [APP], groups: [one('app', [https])], jit: jitGroup([worldSsh]), policyTag: encodePolicy(SSH) },
    expected: { actions: [setGroups([APP], [APP, JIT_NAME])], notes: [] },
  },
  'a new internet rule since the last enable is recorded and revoked, on the existing group': {
    world: { attached: [APP, JIT], groups: [one('app', [worldSsh6])], jit: jitGroup([worldSsh]), policyTag: encodePolicy(SSH) },
    expected: { actions: [record(worldSsh6), revoke(one('app', []), worldSsh6)], notes: [] },
  },
  'a new policy: revoke what it needs, restore what it no longer covers, drop that record': {
    world: {
      attached: [APP, JIT],
      groups: [one('app', [rule('sgr-17', APP, 'tcp 3389 0.0.0.0/0', { description: 'rdp' })])],
      jit: jitGroup([worldSsh]),
      policyTag: encodePolicy(SSH),
    },
    policy: RDP,
    expected: {
      actions: [
        record(rule('sgr-17', APP, 'tcp 3389 0.0.0.0/0', { description: 'rdp' })),
        revoke(one('app', []), rule('sgr-17', APP, 'tcp 3389 0.0.0.0/0', { description: 'rdp' })),
        { kind: 'restore', group: { id: APP, name: 'app' }, rule: recorded(worldSsh) },
        { kind: 'drop-records', count: 1, keys: [recordKey(worldSsh), `${recordKey(worldSsh)}:description`] },
        policyTag(RDP),
      ],
      notes: [],
    },
  },
  'a recorded rule the new policy does not cover, already back, or whose group is gone: only its record goes': {
    world: {
      attached: [APP, JIT],
      groups: [one('app', [rule('sgr-18', APP, 'tcp 22 0.0.0.0/0', { description: 'recreated by hand' })])],
      jit: jitGroup([worldSsh, rule('sgr-19', DB, 'tcp 22 0.0.0.0/0')]),
      policyTag: encodePolicy(SSH),
    },
    policy: RDP,
    expected: {
      actions: [
        {
          kind: 'drop-records',
          count: 2,
          keys: [recordKey(worldSsh), `${recordKey(worldSsh)}:description`, recordKey(rule('sgr-19', DB, 'tcp 22 0.0.0.0/0'))],
        },
        policyTag(RDP),
      ],
      notes: [
        `${APP} (app) tcp 22 from 0.0.0.0/0 "SSH from anywhere" is already back; its record is dropped.`,
        `${DB} tcp 22 from 0.0.0.0/0 cannot be restored: its group no longer exists. Its record is dropped.`,
      ],
    },
  },
  'a narrow rule recorded by an --include-narrow enable is restored by a re-run without it': {
    world: { attached: [APP, JIT], groups: [one('app', [https])], jit: jitGroup([vpnSsh]), policyTag: encodePolicy(SSH) },
    expected: {
      actions: [
        { kind: 'restore', group: { id: APP, name: 'app' }, rule: recorded(vpnSsh) },
        { kind: 'drop-records', count: 1, keys: [recordKey(vpnSsh), `${recordKey(vpnSsh)}:description`] },
      ],
      notes: [],
    },
  },

  // ---- --isolate ---------------------------------------------------------------------------------
  '--isolate: a copy of the shared group without the internet rule takes its place; the swap is recorded': {
    world: {
      attached: [APP, OPS],
      groups: [{ ...app, egress: [rule('sgr-e1', APP, '-1 all 0.0.0.0/0')] }, group(OPS, 'ops', [officeRdp])],
      users: { [APP]: [NEIGHBOUR] },
    },
    options: ISOLATE,
    expected: {
      actions: [
        createJit,
        {
          kind: 'create-group',
          name: `app-jit-${I}`,
          description: `jit-access: copy of ${APP} for ${I}, without its internet rules on the policy ports`,
          vpcId: VPC,
          tags: { 'jit-access:copy-of': APP, 'jit-access:instance': I },
          copy: { of: { id: APP, name: 'app' }, omitted: [worldSsh], ingress: [vpnSsh, https], egress: [rule('sgr-e1', APP, '-1 all 0.0.0.0/0')] },
        },
        { kind: 'record-swaps', swaps: [{ original: { id: APP, name: 'app' }, copy: `app-jit-${I}` }] },
        setGroups([APP, OPS], [`app-jit-${I}`, OPS, JIT_NAME], [[app, `app-jit-${I}`]]),
        policyTag(SSH),
      ],
      notes: [VPN_NOTE],
    },
  },
  '--isolate copies only the shared group; the instance\'s own group is edited in place': {
    world: { attached: [APP, OPS], groups: [app, ops], users: { [APP]: [], [OPS]: [NEIGHBOUR] } },
    options: ISOLATE,
    expected: {
      actions: [
        createJit,
        createCopy(ops, `ops-jit-${I}`, [worldSsh6], [officeRdp]),
        recordSwap(ops, `ops-jit-${I}`),
        setGroups([APP, OPS], [APP, `ops-jit-${I}`, JIT_NAME], [[ops, `ops-jit-${I}`]]),
        record(worldSsh),
        revoke(app, worldSsh),
        policyTag(SSH),
      ],
      notes: [VPN_NOTE],
    },
  },
  '--isolate of a group that admits its own members: the copy admits the original\'s members, and says so': {
    world: {
      attached: [APP],
      groups: [one(LONG, [worldSsh, selfRule])],
      users: { [APP]: [NEIGHBOUR] },
    },
    options: ISOLATE,
    expected: {
      actions: [
        createJit,
        createCopy(one(LONG, []), LONG_COPY, [worldSsh], [selfRule]),
        recordSwap(one(LONG, []), LONG_COPY),
        setGroups(
          [APP],
          [LONG_COPY, JIT_NAME],
          [[one(LONG, []), LONG_COPY]],
        ),
        policyTag(SSH),
      ],
      notes: [
        `${APP} (${LONG}) sgr-20 tcp 0-65535 from ${APP} is not open to the internet and keeps working (--include-narrow revokes it too).`,
        `${APP} (${LONG}) admits its own members; the copy ${LONG_COPY} still admits members of ${APP}, but they no longer admit this instance by that rule.`,
      ],
    },
  },
  'a copy from an earlier --isolate follows its original under a new policy': {
    world: {
      attached: [COPY, JIT],
      groups: [app, group(COPY, `app-jit-${I}`, [rule('sgr-21', COPY, 'tcp 22 10.8.0.0/16', { description: 'VPN' }), rule('sgr-22', COPY, 'tcp 443 0.0.0.0/0', { description: 'HTTPS' })])],
      jit: jitGroup([], [[APP, COPY]]),
      policyTag: encodePolicy(SSH),
    },
    policy: buildPolicy({ ports: [{ from: 443, to: 443, protocol: 'tcp' }] }),
    expected: {
      actions: [
        revoke(group(COPY, `app-jit-${I}`, []), rule('sgr-22', COPY, 'tcp 443 0.0.0.0/0', { description: 'HTTPS' })),
        {
          kind: 'add-to-copy',
          copy: { id: COPY, name: `app-jit-${I}` },
          original: { id: APP, name: 'app' },
          rule: { groupId: COPY, protocol: 'tcp', from: 22, to: 22, source: { kind: 'cidr', cidr: '0.0.0.0/0' }, description: 'SSH from anywhere' },
        },
        policyTag(buildPolicy({ ports: [{ from: 443, to: 443, protocol: 'tcp' }] })),
      ],
      notes: [],
    },
  },
  'a copy whose original group is gone is left as it is': {
    world: {
      attached: [COPY, JIT],
      groups: [group(COPY, `app-jit-${I}`, [vpnSsh])],
      jit: jitGroup([], [[APP, COPY]]),
      policyTag: encodePolicy(SSH),
    },
    expected: { actions: [], notes: [`${COPY}, the copy of ${APP}, was left as it is: the original group no longer exists.`] },
  },
};

describe('planAwsLockdown', () => {
  it.each(Object.entries(cases))('%s', (_name, { world, policy = SSH, options = DEFAULTS, expected }) => {
    expect(outcome(planAwsLockdown(snapshot(world), policy, options))).toEqual(expected);
  });
});

describe('the reads the plan needs', () => {
  it('groupsToRead: the attached groups, then the originals of swaps and the groups of records', () => {
    const jit = jitGroup([rule('sgr-23', DB, 'tcp 22 0.0.0.0/0')], [[OPS, COPY]]);
    const { instance } = snapshot({ attached: [APP, COPY, JIT], groups: [] });
    expect(groupsToRead(instance, jit)).toEqual([APP, COPY, JIT, OPS, DB]);
    expect(groupsToRead(snapshot({ attached: [APP], groups: [] }).instance, undefined)).toEqual([APP]);
  });

  it.each<[string, World, LockdownOptions, string[]]>([
    ['groups with internet rules on policy ports, in the instance\'s order', { attached: [OPS, APP], groups: [app, ops] }, DEFAULTS, [OPS, APP]],
    ['none: no one is asked who else uses a group', { attached: [APP], groups: [one('app', [vpnSsh, https])] }, DEFAULTS, []],
    ['--include-narrow: groups with narrow rules too', { attached: [APP], groups: [one('app', [vpnSsh, https])] }, NARROW, [APP]],
    [
      'never the jit group or a copy jit made',
      { attached: [COPY, JIT], groups: [group(COPY, 'copy', [rule('sgr-24', COPY, 'tcp 22 0.0.0.0/0')])], jit: jitGroup([], [[APP, COPY]]) },
      DEFAULTS,
      [],
    ],
  ])('groupsToCheck: %s', (_name, world, options, expected) => {
    const { users: _users, ...read } = snapshot(world);
    expect(groupsToCheck(read, SSH, options)).toEqual(expected);
  });
});
