import test from 'ava';
import type { NormalisedBlacklist } from '../../../src/blacklist/normalise.js';
import { buildRuleset } from '../../../src/ruleset/build.js';
import { shardCount } from '../../../src/ruleset/shards.js';
import {
  ELEMENTS_PER_COMMAND,
  renderReplaceScript,
  renderTable,
  renderTableBody,
} from '../../../src/ruleset/render.js';
import { elementCommands as renderElementCommandsOf } from '../../../src/nft/render/script.js';
import { elementsFromTexts } from '../../../src/nft/model/elements.js';
import { BLACKLIST, DIRECTOR, EMPTY_BLACKLIST, REALSERVER } from '../../helpers/fixtures.js';

/** The `add element` (or delete) commands of a set, from element texts. */
function renderElementCommands(set: string, elements: readonly string[], verb: 'add' | 'delete' = 'add'): string[] {
  const key = elements[0]?.includes(':') === false ? (['ipv4_addr'] as const) : (['ipv6_addr'] as const);
  return renderElementCommandsOf(set, elementsFromTexts(key, false, elements), verb);
}

/** `count` distinct IPv6 host addresses of the documentation prefix, in address order. */
function hosts(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `2001:db8:bad::${(i + 1).toString(16)}`);
}

/** The elements each `add element inet lbfw SET { ... }` line carries, one array per command. */
function chunksOf(commands: readonly string[], set: string): string[][] {
  const pattern = new RegExp(`^add element inet lbfw ${set} \\{ (.+) \\}$`);
  return commands.map((command) => {
    const body = pattern.exec(command)?.[1];
    if (body === undefined) throw new Error(`not an add element command for ${set}: ${command.slice(0, 80)}`);
    return body.split(', ');
  });
}

test('the replace script creates the table, deletes it, then declares it anew', (t) => {
  // nft 1.0.6 has no `destroy table`: creating first makes the delete safe
  // when the table is missing, all in one transaction.
  const lines = renderReplaceScript(buildRuleset(DIRECTOR, BLACKLIST)).split('\n');
  t.deepEqual(lines.slice(0, 3), ['table inet lbfw {}', 'delete table inet lbfw', 'table inet lbfw {']);
  t.is(lines.filter((line) => line.startsWith('delete')).length, 1);
  t.false(lines.some((line) => line.startsWith('flush')));
});

test('the table in the replace script is the plan table without its element lines', (t) => {
  const ruleset = buildRuleset(DIRECTOR, BLACKLIST);
  const planned = renderTable(ruleset)
    .split('\n')
    .filter((line) => !line.startsWith('\t\telements = '))
    .join('\n');
  t.is(`${renderTableBody(ruleset)}\n`, planned);
  t.true(renderReplaceScript(ruleset).includes(`\ndelete table inet lbfw\n${renderTableBody(ruleset)}\n`));
});

test('the replace script adds the elements of every non-empty set and of no empty one', (t) => {
  const script = renderReplaceScript(buildRuleset(REALSERVER, { ...EMPTY_BLACKLIST, hosts6: ['2001:db8:bad::1'] }));
  t.deepEqual(
    script.split('\n').filter((line) => line.includes(' element ')),
    [
      'add element inet lbfw bl6_hosts { 2001:db8:bad::1 }',
      'add element inet lbfw vip4_services { 192.0.2.10 . tcp . 80 }',
      'add element inet lbfw vip6_services { 2001:db8::10 . tcp . 443 }',
      // Numeric order: port 80 before 443.
    'add element inet lbfw health_ports4 { tcp . 80 }',
    'add element inet lbfw health_ports6 { tcp . 443 }',
      'add element inet lbfw mgmt4 { 198.51.100.0/24 }',
    ],
  );
  t.true(script.endsWith('}\n'));
});

const chunked = test.macro({
  exec(t, count: number) {
    const elements = hosts(count);
    const commands = renderElementCommands('bl6_hosts', elements);
    const chunks = chunksOf(commands, 'bl6_hosts');
    t.is(commands.length, Math.ceil(count / ELEMENTS_PER_COMMAND));
    t.true(chunks.every((chunk) => chunk.length <= ELEMENTS_PER_COMMAND));
    t.deepEqual(chunks.flat(), elements);
  },
  title(_provided, count: number) {
    const elements = count === 1 ? '1 element is' : `${count} elements are`;
    return `${elements} added by ceil(${count} / ELEMENTS_PER_COMMAND) commands that carry each element once, in order`;
  },
});

for (const count of [0, 1, ELEMENTS_PER_COMMAND, ELEMENTS_PER_COMMAND + 1, 10_000]) test(chunked, count);

test('10,000 blacklisted hosts go into the replace script each once, in their shards, no command over ELEMENTS_PER_COMMAND', (t) => {
  const blacklist: NormalisedBlacklist = { ...EMPTY_BLACKLIST, hosts6: hosts(10_000) };
  const lines = renderReplaceScript(buildRuleset(DIRECTOR, blacklist)).split('\n');
  const shards = shardCount(10_000);
  t.true(shards > 1, 'the case is only meaningful when the hosts are sharded');
  const added: string[] = [];
  for (let shard = 0; shard < shards; shard++) {
    const chunks = chunksOf(lines.filter((line) => line.startsWith(`add element inet lbfw bl6_hosts_${shard} `)), `bl6_hosts_${shard}`);
    t.true(chunks.every((chunk) => chunk.length <= ELEMENTS_PER_COMMAND));
    added.push(...chunks.flat());
  }
  t.is(added.length, 10_000);
  t.deepEqual([...added].sort(), [...blacklist.hosts6].sort());
});

test('element commands can delete as well as add', (t) => {
  t.deepEqual(renderElementCommands('bl4_hosts', ['203.0.113.7', '203.0.113.9'], 'delete'), [
    'delete element inet lbfw bl4_hosts { 203.0.113.7, 203.0.113.9 }',
  ]);
});

/** The elements line of bl6_hosts when the plan shows `preview` elements of `count`. */
function previewLine(count: number, preview?: number): string | undefined {
  const ruleset = buildRuleset(REALSERVER, { ...EMPTY_BLACKLIST, hosts6: hosts(count) });
  const lines = renderTable(ruleset, preview).split('\n');
  const set = lines.indexOf('\tset bl6_hosts {');
  const end = lines.indexOf('\t}', set);
  return lines.slice(set, end).find((line) => line.startsWith('\t\telements = '));
}

const preview = test.macro({
  exec(t, count: number, shown: number | undefined, expected: string | undefined) {
    t.is(previewLine(count, shown), expected);
  },
  title(_provided, count: number, shown: number | undefined, expected: string | undefined) {
    const limit = shown === undefined ? 'without a preview limit' : `with a preview of ${shown}`;
    const cut = expected?.match(/\.\.\. \(\d+ more\)/)?.[0];
    const result = expected === undefined ? 'no elements line' : cut === undefined ? 'all its elements' : `the first ${shown} and "${cut}"`;
    return `${limit}, a set of ${count} elements shows ${result}`;
  },
});

test(preview, 25, 20, `\t\telements = { ${hosts(20).join(', ')}, ... (5 more) }`);
test(preview, 21, 20, `\t\telements = { ${hosts(20).join(', ')}, ... (1 more) }`);
test(preview, 20, 20, `\t\telements = { ${hosts(20).join(', ')} }`);
test(preview, 3, 20, '\t\telements = { 2001:db8:bad::1, 2001:db8:bad::2, 2001:db8:bad::3 }');
test(preview, 25, undefined, `\t\telements = { ${hosts(25).join(', ')} }`);
test(preview, 0, 20, undefined);
