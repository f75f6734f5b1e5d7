#!/usr/bin/python3
# -*- coding: utf-8 -*-
# MIT License (see LICENSE at the repository root).
"""Ansible module running lbfw on a host: check mode reports whether apply
would change anything (lbfw verify) and the diff (lbfw plan --json); apply
mode runs lbfw apply only when verify finds drift, so a second run reports
unchanged."""

DOCUMENTATION = r'''
module: lbfw
short_description: Apply lbfw (firewall, kernel settings, VIPs) on IPVS/keepalived hosts
description:
  - Runs C(lbfw verify --json); when it finds drift, reports changed and, unless in check mode,
    runs C(lbfw apply). The diff lists the kernel-setting writes and VIP changes from C(lbfw plan --json).
options:
  config: {description: Host config file (lbfw --config)., type: path}
  only: {description: Parts to handle (sysctl, vips, firewall)., type: list, elements: str}
  root: {description: Prefix for /etc/sysctl.d and /etc/lbfw/profiles (lbfw --root)., type: path}
  state_dir: {description: lbfw state directory (lbfw --state-dir)., type: path}
  netns: {description: Run lbfw inside this named network namespace (ip netns exec)., type: str}
  executable: {description: The lbfw command., type: str, default: lbfw}
'''

import json

from ansible.module_utils.basic import AnsibleModule


def lbfw_argv(module, command, extra=()):
    p = module.params
    argv = [] if p['netns'] is None else ['ip', 'netns', 'exec', p['netns']]
    argv += [p['executable'], command]
    if p['config']:
        argv += ['--config', p['config']]
    if p['root']:
        argv += ['--root', p['root']]
    if p['state_dir']:
        argv += ['--state-dir', p['state_dir']]
    if p['only']:
        argv += ['--only', ','.join(p['only'])]
    return argv + list(extra)


def run_json(module, command, ok_codes):
    argv = lbfw_argv(module, command, ['--json'])
    rc, out, err = module.run_command(argv)
    if rc not in ok_codes:
        module.fail_json(msg='%s failed (exit %d): %s' % (' '.join(argv), rc, err.strip()), rc=rc, stderr=err)
    try:
        return rc, json.loads(out)
    except ValueError as error:
        module.fail_json(msg='%s printed no JSON: %s' % (' '.join(argv), error))


def planned_changes(plan):
    """One line per change apply would make, for the diff."""
    lines = []
    for write in (plan.get('sysctl') or {}).get('writes', []):
        lines.append('sysctl %s: %s -> %s' % (write['key'], write.get('previous'), write['value']))
    for action in (plan.get('vips') or {}).get('actions', []):
        lines.append('vip %s %s on lo' % (action['kind'], action['address']))
    firewall = plan.get('firewall')
    if firewall is not None:
        ruleset = firewall.get('ruleset') or {}
        lines.append('firewall: table inet lbfw with %d sets, %d chains' % (len(ruleset.get('sets', [])), len(ruleset.get('chains', []))))
    return lines


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type='path'),
            only=dict(type='list', elements='str'),
            root=dict(type='path'),
            state_dir=dict(type='path'),
            netns=dict(type='str'),
            executable=dict(type='str', default='lbfw'),
        ),
        supports_check_mode=True,
    )
    rc, verify = run_json(module, 'verify', (0, 2))
    changed = rc == 2
    result = dict(changed=changed, verify_ok=verify.get('ok'))
    if changed:
        _, plan = run_json(module, 'plan', (0,))
        lines = planned_changes(plan)
        result['changes'] = lines
        if module._diff:
            result['diff'] = dict(before='lbfw verify: drift\n', after='\n'.join(lines) + '\n')
        if not module.check_mode:
            argv = lbfw_argv(module, 'apply', ['--json'])
            arc, out, err = module.run_command(argv)
            if arc != 0:
                module.fail_json(msg='%s failed (exit %d): %s' % (' '.join(argv), arc, err.strip()), rc=arc, stderr=err)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
