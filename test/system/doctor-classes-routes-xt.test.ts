/**
 * Two more of the doctor's classes with real traffic through the DR lab: a
 * real server with no default route (the requests arrive, the replies to a
 * client off its networks have no way out) and an iptables-nft rule with a
 * match the doctor does not evaluate (it must say plainly that it could not
 * judge the rule, not guess). Each with its healthy twin; fixes come from
 * the doctor's --json fixSteps.
 */
import type { ExecutionContext } from 'ava';
import { errorFindings, findingIds } from '../../src/lab/doctor-run.js';
import { LAB, type Lab } from '../../src/lab/topology.js';
import { doctor, one, sh, withHealthyLab } from '../helpers/doctor-lab.js';
import { systemTest } from '../helpers/system.js';

/**
 * curlFrom is one HTTP request from the client to the VIP with source
 * `source`: 192.0.2.100 (the client's uplink address) is on no network of
 * the real servers, so their replies to it need their default route.
 */
async function curlFrom(lab: Lab, source: string): Promise<{ ok: boolean; answer: string }> {
  const result = await lab.sh('client', `curl -sS -m 2 --interface ${source} --local-port ${lab.nextPort()} http://${LAB.vip}:${LAB.port}/`);
  return { ok: result.code === 0, answer: (result.code === 0 ? result.stdout : result.stderr).trim() };
}

/** requestsFrom sends a few requests (the director spreads them by source port) and lists who answered or why not. */
async function requestsFrom(lab: Lab, source: string, count = 4): Promise<{ ok: boolean; answers: string[] }> {
  const answers: string[] = [];
  for (let i = 0; i < count; i++) answers.push((await curlFrom(lab, source)).answer);
  return { ok: answers.every((a) => /^rs[12]$/.test(a)), answers };
}

const OFF_LAN = LAB.uplink.client;
const REAL_SERVERS = ['rs1', 'rs2'] as const;

systemTest('rs-no-route-back: real servers without a default route get the requests of a client off their networks but cannot answer; the doctor names it, its route (the lab\'s gateway for GATEWAY) fixes it; with the route, no finding', async (t) => {
  await withHealthyLab(t, async (lab) => {
    // The healthy twin: the default route via the LAN gateway carries the replies.
    const healthy = await requestsFrom(lab, OFF_LAN);
    t.true(healthy.ok, healthy.answers.join('\n'));
    for (const node of REAL_SERVERS) {
      const report = await doctor(t, lab, node, ['--client', OFF_LAN]);
      t.false(findingIds(report).includes('rs-no-route-back'), JSON.stringify(report.findings, null, 2));
      t.deepEqual(errorFindings(report).map((f) => `${f.id}: ${f.what}`), [], node);
    }

    for (const node of REAL_SERVERS) await sh(lab, node, 'ip route del default');
    const broken = await requestsFrom(lab, OFF_LAN);
    t.false(broken.ok, broken.answers.join('\n'));
    t.true(broken.answers.every((a) => /timed out/.test(a)), `every request hangs: the replies have no way out:\n${broken.answers.join('\n')}`);
    t.true((await requestsFrom(lab, LAB.lan.client, 2)).ok, 'a client on the LAN still works: the requests do arrive');

    for (const node of REAL_SERVERS) {
      const plain = one(t, await doctor(t, lab, node), 'rs-no-route-back');
      t.is(plain?.severity, 'error');
      t.regex(plain?.what ?? '', /this real server has no IPv4 default route: it reaches only /);
      const finding = one(t, await doctor(t, lab, node, ['--client', OFF_LAN]), 'rs-no-route-back');
      t.is(finding?.severity, 'error');
      t.regex(finding?.what ?? '', new RegExp(`there is no route from this real server back to client ${OFF_LAN.replaceAll('.', '\\.')}`));
      // The fix needs the operator's router: the doctor cannot know it, so it is an edit with GATEWAY to fill in.
      const steps = finding?.fixSteps;
      t.deepEqual(steps?.run, [], 'no command line is offered that could not run as printed');
      const command = /: (ip route add default via GATEWAY)/.exec(steps?.edit ?? '')?.[1];
      t.truthy(command, steps?.edit);
      await sh(lab, node, (command ?? 'false').replace('GATEWAY', LAB.lan.client));
      t.false(findingIds(await doctor(t, lab, node, ['--client', OFF_LAN])).includes('rs-no-route-back'));
    }
    const fixed = await requestsFrom(lab, OFF_LAN);
    t.true(fixed.ok, fixed.answers.join('\n'));
  });
});

/** A rule with a match the doctor does not evaluate (-m string): it drops HTTP requests carrying `word`, not their SYN. */
const stringRule = (word: string) => `INPUT -p tcp --dport ${LAB.port} -m string --algo bm --string ${word} -j DROP`;

async function unjudged(t: ExecutionContext, lab: Lab): Promise<string | undefined> {
  const report = await doctor(t, lab, 'rs1');
  t.deepEqual(errorFindings(report).map((f) => `${f.id}: ${f.what}`), [], 'a rule it cannot judge is no error');
  t.false(findingIds(report).includes('rs-fw-blocks-vip'), 'nor is it guessed to block');
  const finding = one(t, report, 'fw-unjudged');
  t.is(finding?.severity, 'warning');
  t.regex(finding?.what ?? '', /could not be judged/);
  t.regex(finding?.breaks ?? '', /the doctor cannot say whether this rule drops DR traffic/);
  return finding?.fixSteps?.edit;
}

systemTest('fw-unjudged: an iptables-nft string match the doctor does not evaluate; whether it drops the requests (real traffic) or not (the twin), the doctor says plainly it could not judge the rule; the check it prints shows the rule, and without the rule the warning goes', async (t) => {
  await withHealthyLab(t, async (lab) => {
    // The twin: a string no request carries; traffic works, the rule is still unjudged.
    await sh(lab, 'rs1', `iptables-nft -A ${stringRule('NO-REQUEST-HAS-THIS')}`);
    t.true((await requestsFrom(lab, LAB.lan.client)).ok);
    await unjudged(t, lab);
    await sh(lab, 'rs1', `iptables-nft -D ${stringRule('NO-REQUEST-HAS-THIS')}`);

    // The fault: every HTTP request carries "GET"; the SYN passes, the request is dropped.
    await sh(lab, 'rs1', `iptables-nft -A ${stringRule('GET')}`);
    const broken = await requestsFrom(lab, LAB.lan.client, 6);
    t.false(broken.ok, broken.answers.join('\n'));
    const edit = await unjudged(t, lab);
    // The check by hand the doctor prints: run it and see the rule.
    const check = /check the rule by hand: (.+?) \(or install/.exec(edit ?? '')?.[1];
    t.truthy(check, edit);
    const shown = await lab.sh('rs1', check ?? 'false');
    t.is(shown.code, 0, shown.stderr);
    t.regex(shown.stdout, /-A INPUT -p tcp -m tcp --dport 80 -m string --string "GET" --algo bm/);
    // The operator, having judged it, removes the rule.
    await sh(lab, 'rs1', `iptables-nft -D ${stringRule('GET')}`);
    const fixed = await requestsFrom(lab, LAB.lan.client, 6);
    t.true(fixed.ok, fixed.answers.join('\n'));
    t.false(findingIds(await doctor(t, lab, 'rs1')).includes('fw-unjudged'));
  });
});
