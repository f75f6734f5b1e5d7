import test from 'ava';
import { parseConfig } from '../../../src/config/parse.js';
import { directorConfig, LAB_OVERLIMIT } from '../../../src/lab/node-config.js';
import { describeClientRequest, HELD_CONNECTIONS, served } from '../../../src/lab/overlimit-step.js';

test('the lab directors\' config carries the low overlimit limits the demo relies on', (t) => {
  const config = parseConfig(directorConfig('/nonexistent/keepalived.conf'), 'lbfw.yaml');
  t.is(config.overlimit?.maxConnections, LAB_OVERLIMIT.maxConnections);
  t.is(config.overlimit?.banSeconds, LAB_OVERLIMIT.banSeconds);
  t.true(HELD_CONNECTIONS > LAB_OVERLIMIT.maxConnections);
  // client2 is on the directors' LAN, which stands for the internet: not exempt as a connected network.
  t.false(config.overlimit?.exemptConnectedNetworks);
});

test('a client request is served only when the real server the director picked answered', (t) => {
  const base = { client: 'client2', address: '203.0.113.50', port: 20001, expected: 'rs1' } as const;
  t.true(served({ ...base, answeredBy: 'rs1' }));
  t.false(served({ ...base, answeredBy: 'rs2' }));
  t.false(served({ ...base, error: 'timeout' }));
  t.is(describeClientRequest({ ...base, error: 'timeout' }), 'client2 (203.0.113.50) -> http://203.0.113.10/: no answer within 2 s (dropped)');
  t.is(describeClientRequest({ ...base, answeredBy: 'rs1' }), 'client2 (203.0.113.50) -> http://203.0.113.10/: answered by rs1');
});
