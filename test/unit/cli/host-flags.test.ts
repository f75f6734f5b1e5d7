import test from 'ava';
import { hostFlagWords } from '../../../src/cli/host-options.js';
import { invocationWords } from '../../../src/doctor/view.js';

test('hostFlagWords repeats every host flag given, --keepalived-id included, so a printed fix runs as printed.', (t) => {
  t.deepEqual(hostFlagWords({ config: '/srv/lbfw.yaml', keepalived: '/srv/k.conf', keepalivedId: 'lb1', blacklist: '/srv/bl' }), [
    '--config', '/srv/lbfw.yaml', '--keepalived', '/srv/k.conf', '--keepalived-id', 'lb1', '--blacklist', '/srv/bl',
  ]);
  t.deepEqual(hostFlagWords({}), []);
});

test("A fix's lbfw command keeps the host flags and drops the doctor's own (--peer-keepalived, --peer-keepalived-id, ...), which lbfw apply refuses.", (t) => {
  t.deepEqual(invocationWords(['--keepalived', '/srv/k.conf', '--keepalived-id', 'lb1', '--peer-keepalived', '/srv/lb2.conf', '--peer-keepalived-id', 'lb2', '--peer-facts', '/srv/f.json', '--client', '198.51.100.7']), [
    '--keepalived', '/srv/k.conf', '--keepalived-id', 'lb1',
  ]);
  t.deepEqual(invocationWords(['--peer-keepalived-id=lb2', '--config', '/srv/lbfw.yaml']), ['--config', '/srv/lbfw.yaml']);
});
