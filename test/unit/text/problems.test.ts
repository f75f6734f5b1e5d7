import test from 'ava';
import { formatHint } from '../../../src/firewall/prepare.js';
import { parseBlacklist } from '../../../src/blacklist/parse.js';
import { PER_KIND, problemReport } from '../../../src/text/problems.js';

test('many bad lines are grouped by kind with a count and the first few of each', (t) => {
  const text = [...Array.from({ length: 500 }, (_, i) => `203.0.113.${i % 250}\t${i}`), ...Array.from({ length: 100 }, (_, i) => `; comment ${i}`), 'nonsense'].join('\n');
  const { problems } = parseBlacklist(text, 'f');
  t.is(problems.length, 601);
  const lines = problemReport(problems);
  // `; comment` lines are two words too: one kind with the tab-separated counts.
  t.is(lines[0], '601 bad lines, 2 kinds:');
  t.true(lines.length <= 1 + 3 * (1 + PER_KIND));
  t.true(lines.some((l) => /^ {2}600 lines: more than one word on the line/.test(l)));
});

test('few bad lines are listed one by one', (t) => {
  const { problems } = parseBlacklist('x\ny\n', 'f');
  t.deepEqual(problemReport(problems).map((l) => l.slice(0, 4)), ['f:1:', 'f:2:']);
});

test('the format hint names `;` comments and a count column', (t) => {
  t.regex(formatHint(parseBlacklist('; a\n; b\n; c\n', 'f').problems), /`;` comments/);
  t.regex(formatHint(parseBlacklist('203.0.113.1\t5\n203.0.113.2\t7\n', 'f').problems), /second column, e\.g\. a count/);
  t.is(formatHint(parseBlacklist('x\n', 'f').problems), '');
});
