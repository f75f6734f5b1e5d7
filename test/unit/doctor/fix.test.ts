import test from 'ava';
import { editFix, fixText, runFix } from '../../../src/doctor/fix.js';

test('fixText joins the commands with && and puts the edit first and the note last.', (t) => {
  t.is(fixText({ run: ['a', 'b'] }), 'a && b');
  t.is(fixText({ edit: 'edit x', run: ['reload'] }), 'edit x, then reload');
  t.is(fixText({ edit: 'edit x', run: [] }), 'edit x');
  t.is(fixText({ run: ['lbfw apply'], note: 'or at once: sysctl -w k=1' }), 'lbfw apply (or at once: sysctl -w k=1)');
  t.is(fixText({ run: [], note: 'only a note' }), 'only a note');
});

test('runFix and editFix give a finding its steps and their text.', (t) => {
  t.deepEqual(runFix('ip link set lo up'), { fix: 'ip link set lo up', fixSteps: { run: ['ip link set lo up'] } });
  t.deepEqual(editFix('set dev at k:1', 'systemctl reload keepalived', 'n'), {
    fix: 'set dev at k:1, then systemctl reload keepalived (n)',
    fixSteps: { edit: 'set dev at k:1', run: ['systemctl reload keepalived'], note: 'n' },
  });
});
