import test from 'ava';
import { rowsFromSs } from '../../../src/lab/conn-table.js';
import { parseConnTable } from '../../../src/overlimit/conn-table.js';
import { CONN_HEADER, formatConnRow } from '../../../src/overlimit/format.js';

test('established sockets to the VIP on a real server become ip_vs_conn rows that lbfw overlimit reads back', (t) => {
  const ss = [
    '0      0      203.0.113.10:80     203.0.113.100:40001',
    '0      0      203.0.113.10:80     203.0.113.100:40002',
    '0      0      203.0.113.11:22     198.51.100.5:50000',
    '0      0      [::ffff:203.0.113.10]:80 [::ffff:203.0.113.101]:41000',
  ].join('\n');
  const rows = rowsFromSs(ss, '203.0.113.10', '203.0.113.11');
  t.deepEqual(rows.map((r) => `${r.client}:${r.clientPort}`), ['203.0.113.100:40001', '203.0.113.100:40002', '203.0.113.101:41000']);
  const parsed = parseConnTable(CONN_HEADER + rows.map((r) => formatConnRow(r)).join(''));
  t.deepEqual(parsed.rows.map((r) => [r.client, r.vip, r.vport, r.realServer, r.state]), [
    ['203.0.113.100', '203.0.113.10', 80, '203.0.113.11', 'ESTABLISHED'],
    ['203.0.113.100', '203.0.113.10', 80, '203.0.113.11', 'ESTABLISHED'],
    ['203.0.113.101', '203.0.113.10', 80, '203.0.113.11', 'ESTABLISHED'],
  ]);
});
