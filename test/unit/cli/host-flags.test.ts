import test from 'ava';
import { hostFlagWords } from '../../../src/cli/host-options.js';

test('hostFlagWords repeats every host flag given, --keepalived-id included, so a printed fix runs as printed.', (t) => {
  t.deepEqual(hostFlagWords({ config: '/srv/lbfw.yaml', keepalived: '/srv/k.conf', keepalivedId: 'lb1', blacklist: '/srv/bl' }), [
    '--config', '/srv/lbfw.yaml', '--keepalived', '/srv/k.conf', '--keepalived-id', 'lb1', '--blacklist', '/srv/bl',
  ]);
  t.deepEqual(hostFlagWords({}), []);
});
