import test from 'ava';
import { UsageError } from '../../../src/errors.js';
import { loadNative } from '../../../src/nft/netlink/native.js';
import { hasNetAdmin } from '../../../src/nft/privilege.js';
import { backendPreference, selectBackend } from '../../../src/nft/select.js';

test('LBFW_BACKEND=nft picks the nft program and says so', (t) => {
  const choice = selectBackend({ env: { LBFW_BACKEND: 'nft' } });
  t.is(choice.name, 'nft');
  t.is(choice.backend.name, 'nft');
  t.is(choice.reason, 'LBFW_BACKEND=nft');
});

test('auto falls back to the nft program when the binding is turned off, and names why', (t) => {
  const choice = selectBackend({ env: { LBFW_NO_NATIVE: '1' } });
  t.is(choice.name, 'nft');
  t.is(choice.reason, 'using the nft program: LBFW_NO_NATIVE=1 turns the netlink binding off');
});

test('auto picks netlink whenever the binding loads and lbfw may use it; else nft with the reason', (t) => {
  const choice = selectBackend({ env: {} });
  const usable = typeof loadNative({}) !== 'string' && hasNetAdmin();
  t.is(choice.name, usable ? 'netlink' : 'nft');
  t.is(choice.backend.name, choice.name);
  if (usable) t.is(choice.reason, 'the netlink binding loaded');
  else t.regex(choice.reason, /^using the nft program: (the netlink binding (is not built|needs root|at )|LBFW_NO_NATIVE)/);
});

test('LBFW_BACKEND=netlink that cannot load is a usage error, never a silent fallback', (t) => {
  const error = t.throws(() => selectBackend({ env: { LBFW_BACKEND: 'netlink', LBFW_NO_NATIVE: '1' } }));
  t.true(error instanceof UsageError);
  t.regex(error?.message ?? '', /LBFW_BACKEND=netlink, but LBFW_NO_NATIVE=1/);
});

test('LBFW_BACKEND takes nft, netlink, auto or nothing', (t) => {
  t.is(backendPreference({}), 'auto');
  t.is(backendPreference({ LBFW_BACKEND: ' netlink ' }), 'netlink');
  t.throws(() => backendPreference({ LBFW_BACKEND: 'iptables' }), { instanceOf: UsageError, message: /LBFW_BACKEND=iptables: expected nft, netlink or auto/ });
});
