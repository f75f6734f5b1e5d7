import test from 'ava';
import { ConfigError, type InputProblem } from '../../../src/errors.js';
import { checkTemplate, parseProfile } from '../../../src/sysctl/profile.js';

const FILE = '/etc/lbfw/profiles/site.yaml';

test('A profile with description, include and sysctls is read with the line of every key.', (t) => {
  const text = [
    'description: Site director',
    'include: [base, director-common]',
    'sysctls:',
    '  net.ipv4.conf.{vip}.rp_filter:',
    '    value: "0"',
    '    reason: Client packets must not be dropped.',
    '  net.ipv4.vs.expire_nodest_conn:',
    '    value: 1',
    '    reason: >-',
    '      Expire connections of removed',
    '      real servers.',
    '',
  ].join('\n');
  const doc = parseProfile(text, FILE, 'site');
  t.is(doc.description, 'Site director');
  t.deepEqual(doc.include, [
    { name: 'base', line: 2 },
    { name: 'director-common', line: 2 },
  ]);
  t.deepEqual(doc.sysctls, [
    {
      template: 'net.ipv4.conf.{vip}.rp_filter',
      value: '0',
      expectation: { kind: 'exact', values: [0] },
      reason: 'Client packets must not be dropped.',
      profile: 'site',
      file: FILE,
      line: 4,
    },
    {
      template: 'net.ipv4.vs.expire_nodest_conn',
      value: '1',
      expectation: { kind: 'exact', values: [1] },
      reason: 'Expire connections of removed real servers.',
      profile: 'site',
      file: FILE,
      line: 7,
    },
  ]);
});

/** Builds a profile whose only key is `key`, with `value` and `reason` lines as given. */
function oneKey(key: string, value = '"0"', reason = 'Because.'): string {
  return `sysctls:\n  ${key}:\n    value: ${value}\n    reason: ${reason}\n`;
}

const refuses = test.macro({
  exec(t, text: string, line: number, fragment: RegExp) {
    const error = t.throws(() => parseProfile(text, FILE, 'site'), { instanceOf: ConfigError });
    const problems: readonly InputProblem[] = error?.problems ?? [];
    const problem = problems.find((p) => fragment.test(p.message));
    t.truthy(problem, `no problem matches ${fragment}: ${JSON.stringify(problems)}`);
    t.is(problem?.file, FILE);
    t.is(problem?.line, line);
    t.true(error?.message.includes(`${FILE}:${line}:`) ?? false);
  },
  title: (given) => given ?? 'refuses',
});

test('A typo in a key name is refused at its line with a suggestion.', refuses, oneKey('net.ipv4.conf.{vip}.rp_filtr'), 2, /unknown key "rp_filtr".*did you mean rp_filter/);
test('A typo in an IPVS key is refused at its line.', refuses, oneKey('net.ipv4.vs.expire_nodest_con'), 2, /did you mean expire_nodest_conn/);
test('A near miss of a known global key is refused.', refuses, oneKey('net.ipv4.ip_foward'), 2, /did you mean net\.ipv4\.ip_forward/);
test('An unknown placeholder is refused with the list of placeholders.', refuses, oneKey('net.ipv4.conf.{vips}.rp_filter'), 2, /unknown placeholder \{vips\} \(did you mean \{vip\}\?\)/);
test('A placeholder outside the interface level is refused.', refuses, oneKey('net.ipv4.{vip}.rp_filter'), 2, /placeholders only stand for the interface/);
test('A placeholder inside a level is refused.', refuses, oneKey('net.ipv4.conf.x{vip}.rp_filter'), 2, /a placeholder is a whole level/);
test('Upper-case letters in a key are refused.', refuses, oneKey('net.ipv4.conf.ETH0.rp_filter'), 2, /is not a sysctl key/);
test('An empty level is refused.', refuses, oneKey('net.ipv4..ip_forward'), 2, /empty level/);
test('A missing reason is refused at the key.', refuses, 'sysctls:\n  net.ipv4.ip_forward:\n    value: "1"\n', 2, /reason is missing/);
test('An empty reason is refused.', refuses, oneKey('net.ipv4.ip_forward', '"1"', '""'), 4, /expected one or two sentences/);
test('A missing value is refused at the key.', refuses, 'sysctls:\n  net.ipv4.ip_forward:\n    reason: Because.\n', 2, /value is missing/);
test('A bad value form is refused at the value.', refuses, oneKey('net.ipv4.ip_forward', '"on"'), 3, /"on" is not a value form/);
test('Several integers are refused for a per-interface key.', refuses, oneKey('net.ipv4.conf.all.rp_filter', '"0 1"'), 3, /per-interface keys hold one integer/);
test('An unknown key of a setting is refused with a suggestion.', refuses, 'sysctls:\n  net.ipv4.ip_forward:\n    valeu: "1"\n    reason: x\n', 3, /unknown key "valeu".*did you mean value/);
test('An unknown top-level key is refused with a suggestion.', refuses, 'descripton: x\nsysctls: {}\n', 1, /unknown key "descripton".*did you mean description/);
test('An include that is not a list is refused.', refuses, 'include: base\n', 1, /include: expected a list of profile names/);
test('A bad name in include is refused.', refuses, 'include: [Base]\n', 1, /include: expected a profile name/);
test('A profile that sets nothing is refused.', refuses, 'description: nothing\n', 1, /sets nothing/);
test('A YAML syntax error is reported with its line.', refuses, 'sysctls:\n  net.ipv4.ip_forward:\n    value: >=1\n    reason: x\n', 3, /YAML syntax/);
test('A key given twice is refused by the YAML parser at the second one.', refuses, `${oneKey('net.ipv4.ip_forward')}  net.ipv4.ip_forward:\n    value: "1"\n    reason: x\n`, 5, /unique/);

test('Every problem of a file is reported at once, in line order.', (t) => {
  const text = ['sysctls:', '  net.ipv4.conf.{vip}.rp_filtr:', '    value: "0"', '    reason: x', '  net.ipv4.ip_forward:', '    value: "yes"', '    reason: x', ''].join('\n');
  const error = t.throws(() => parseProfile(text, FILE, 'site'), { instanceOf: ConfigError });
  t.deepEqual(error?.problems.map((p) => p.line), [2, 6]);
});

test('An empty profile is refused for the whole file.', (t) => {
  const error = t.throws(() => parseProfile('# nothing\n', FILE, 'site'), { instanceOf: ConfigError });
  t.is(error?.line, 0);
  t.is(error?.file, FILE);
});

const accepts = test.macro({
  exec(t, template: string) {
    t.deepEqual(checkTemplate(template), { ok: true, value: true });
  },
  title: (given, template: string) => given ?? `${template} is a valid key`,
});

test(accepts, 'net.ipv4.conf.{vip}.rp_filter');
test(accepts, 'net.ipv4.conf.{realservers}.send_redirects');
test(accepts, 'net.ipv4.conf.{client}.arp_ignore');
test(accepts, 'net.ipv4.conf.all.arp_announce');
test(accepts, 'net.ipv4.conf.default.rp_filter');
test(accepts, 'net.ipv4.conf.lo.arp_ignore');
test(accepts, 'net.ipv6.conf.{vip}.accept_ra');
test(accepts, 'net.ipv4.vs.conntrack');
test(accepts, 'net.core.somaxconn');
test('A key a newer kernel may add under net.ipv4 is accepted when it is no near miss.', accepts, 'net.ipv4.tcp_brand_new_feature');
test('A value with a line break ("1\\n2") is refused at its line before anything is written.', refuses, oneKey('net.ipv4.vs.expire_nodest_conn', '"1\\n2"'), 3, /one line expected/);
