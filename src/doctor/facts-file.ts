/**
 * Reading a facts file (`lbfw facts > file`, then `lbfw doctor --facts
 * file`): the JSON is checked against the shape the checks rely on, so a
 * wrong or truncated file is a {@link FactsError} naming the file, the place
 * in it and what was expected, never a crash inside a check.
 */
import { FactsError } from './errors.js';
import { readInputFile, shortReason } from '../system/input-file.js';
import { BACKEND_NAMES } from '../nft/backend.js';
import { FACTS_VERSION, type Facts } from './facts.js';

type Json = unknown;

class Validator {
  constructor(private readonly file: string) {}

  fail(path: string, expected: string, value: Json): never {
    const found = value === undefined ? 'nothing' : value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : JSON.stringify(value);
    throw new FactsError(this.file, path, `expected ${expected}, found ${found.length > 60 ? `${found.slice(0, 57)}...` : found}`);
  }

  object(path: string, value: Json): Record<string, Json> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value);
    return value as Record<string, Json>;
  }

  array(path: string, value: Json, item?: (path: string, value: Json) => void): Json[] {
    if (!Array.isArray(value)) this.fail(path, 'an array', value);
    if (item !== undefined) for (const [i, v] of value.entries()) item(`${path}[${i}]`, v);
    return value;
  }

  string(path: string, value: Json): void {
    if (typeof value !== 'string') this.fail(path, 'a string', value);
  }

  number(path: string, value: Json): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(path, 'a number', value);
  }

  boolean(path: string, value: Json): void {
    if (typeof value !== 'boolean') this.fail(path, 'true or false', value);
  }

  oneOf(path: string, value: Json, allowed: readonly Json[]): void {
    if (!allowed.includes(value)) this.fail(path, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
  }

  optional(object: Record<string, Json>, key: string, path: string, check: (path: string, value: Json) => void): void {
    if (object[key] !== undefined) check(`${path}${path === '' ? '' : '.'}${key}`, object[key]);
  }

  fields(path: string, value: Json, checks: Readonly<Record<string, (path: string, value: Json) => void>>): Record<string, Json> {
    const object = this.object(path, value);
    for (const [key, check] of Object.entries(checks)) check(`${path}${path === '' ? '' : '.'}${key}`, object[key]);
    return object;
  }
}

function validateAddress(v: Validator, path: string, value: Json): void {
  v.fields(path, value, { family: (p, x) => v.oneOf(p, x, [4, 6]), address: (p, x) => v.string(p, x) });
}

function validateConfig(v: Validator, path: string, value: Json): void {
  v.fields(path, value, {
    role: (p, x) => v.oneOf(p, x, ['director', 'realserver']),
    interfaces: (p, x) => {
      const interfaces = v.object(p, x);
      for (const key of ['vip', 'realServers', 'client']) v.optional(interfaces, key, p, (q, y) => v.string(q, y));
    },
    services: (p, x) =>
      v.array(p, x, (q, y) => {
        validateAddress(v, q, y);
        v.fields(q, y, { protocol: (r, z) => v.oneOf(r, z, ['tcp', 'udp']), port: (r, z) => v.number(r, z) });
      }),
    peers: (p, x) => v.array(p, x, (q, y) => validateAddress(v, q, y)),
    realServers: (p, x) => v.array(p, x, (q, y) => validateAddress(v, q, y)),
    management: (p, x) =>
      v.fields(p, x, { sources: (q, y) => v.array(q, y), sshPort: (q, y) => v.number(q, y), allow: (q, y) => v.array(q, y) }),
    blacklistPath: (p, x) => v.string(p, x),
    inputPolicy: (p, x) => v.oneOf(p, x, ['drop', 'accept']),
  });
  const config = v.object(path, value);
  v.optional(config, 'vipAddresses', path, (p, x) => v.array(p, x, (q, y) => validateAddress(v, q, y)));
}

function validateKeepalived(v: Validator, path: string, value: Json): void {
  const object = v.fields(path, value, { file: (p, x) => v.string(p, x), notes: (p, x) => v.array(p, x) });
  v.optional(object, 'error', path, (p, x) => v.string(p, x));
  v.optional(object, 'configId', path, (p, x) => v.string(p, x));
  v.optional(object, 'model', path, (p, x) =>
    v.fields(p, x, {
      files: (q, y) => v.array(q, y),
      vrrpInstances: (q, y) =>
        v.array(q, y, (r, z) =>
          v.fields(r, z, {
            name: (s, w) => v.string(s, w),
            file: (s, w) => v.string(s, w),
            line: (s, w) => v.number(s, w),
            virtualIpaddress: (s, w) => v.array(s, w, (t, u) => validateAddress(v, t, u)),
            unicastPeer: (s, w) => v.array(s, w, (t, u) => validateAddress(v, t, u)),
          }),
        ),
      virtualServers: (q, y) => v.array(q, y, (r, z) => v.fields(r, z, { target: (s, w) => v.object(s, w), realServers: (s, w) => v.array(s, w) })),
      virtualServerGroups: (q, y) => v.array(q, y),
      deprecated: (q, y) => v.array(q, y),
    }),
  );
}

/**
 * validateFacts checks that `data` has the shape of {@link Facts}; `file`
 * names the source in errors.
 */
export function validateFacts(data: Json, file: string): Facts {
  const v = new Validator(file);
  const top = v.object('', data);
  if (top['factsVersion'] !== FACTS_VERSION) {
    throw new FactsError(
      file,
      'factsVersion',
      top['factsVersion'] === undefined
        ? `not a facts file: expected JSON written by \`lbfw facts\` (an object with "factsVersion": ${FACTS_VERSION})`
        : `expected ${FACTS_VERSION}, found ${JSON.stringify(top['factsVersion'])} (written by another lbfw version; collect it again with this lbfw facts)`,
    );
  }
  v.fields('', top, {
    collectedAt: (p, x) => v.string(p, x),
    host: (p, x) => v.fields(p, x, { hostname: (q, y) => v.string(q, y), kernel: (q, y) => v.string(q, y) }),
    role: (p, x) => v.oneOf(p, x, ['director', 'realserver']),
    config: (p, x) => validateConfig(v, p, x),
    sysctls: (p, x) => {
      const sysctls = v.object(p, x);
      for (const [key, value] of Object.entries(sysctls)) v.string(`${p}["${key}"]`, value);
    },
    links: (p, x) =>
      v.array(p, x, (q, y) =>
        v.fields(q, y, {
          ifname: (r, z) => v.string(r, z),
          loopback: (r, z) => v.boolean(r, z),
          answersArp: (r, z) => v.boolean(r, z),
          up: (r, z) => v.boolean(r, z),
          addresses: (r, z) =>
            v.array(r, z, (s, w) => {
              validateAddress(v, s, w);
              v.fields(s, w, { ifname: (t, u) => v.string(t, u), prefix: (t, u) => v.number(t, u) });
            }),
        }),
      ),
    macs: (p, x) => v.object(p, x),
    routes: (p, x) => v.array(p, x, (q, y) => v.fields(q, y, { family: (r, z) => v.oneOf(r, z, [4, 6]), dst: (r, z) => v.string(r, z) })),
    routeLookups: (p, x) =>
      v.array(p, x, (q, y) => v.fields(q, y, { target: (r, z) => v.string(r, z), purpose: (r, z) => v.oneOf(r, z, ['real server', 'peer', 'client']) })),
    neighbours: (p, x) => v.array(p, x, (q, y) => v.fields(q, y, { address: (r, z) => v.string(r, z), dev: (r, z) => v.string(r, z), state: (r, z) => v.array(r, z) })),
    ipvs: (p, x) => {
      const ipvs = v.fields(p, x, { present: (q, y) => v.boolean(q, y) });
      v.optional(ipvs, 'services', p, (q, y) => v.string(q, y));
    },
    services: (p, x) => v.array(p, x, (q, y) => v.fields(q, y, { name: (r, z) => v.string(r, z), running: (r, z) => v.boolean(r, z) })),
    errors: (p, x) => v.array(p, x, (q, y) => v.fields(q, y, { source: (r, z) => v.string(r, z), message: (r, z) => v.string(r, z) })),
  });
  if (top['config'] !== undefined && v.object('config', top['config'])['role'] !== top['role']) {
    v.fail('config.role', `the same role as "role" (${JSON.stringify(top['role'])})`, v.object('config', top['config'])['role']);
  }
  v.optional(top, 'nftRuleset', '', (p, x) => v.array(p, x));
  v.optional(top, 'listening', '', (p, x) =>
    v.array(p, x, (q, y) =>
      v.fields(q, y, {
        protocol: (r, z) => v.oneOf(r, z, ['tcp', 'udp']),
        family: (r, z) => v.oneOf(r, z, [4, 6]),
        address: (r, z) => v.string(r, z),
        port: (r, z) => v.number(r, z),
      }),
    ),
  );
  v.optional(top, 'conntrack', '', (p, x) => v.fields(p, x, { count: (q, y) => v.number(q, y), max: (q, y) => v.number(q, y) }));
  v.optional(top, 'v6only', '', (p, x) =>
    v.array(p, x, (q, y) =>
      v.fields(q, y, {
        protocol: (r, z) => v.oneOf(r, z, ['tcp', 'udp']),
        address: (r, z) => v.string(r, z),
        port: (r, z) => v.number(r, z),
        v6only: (r, z) => v.boolean(r, z),
      }),
    ),
  );
  v.optional(top, 'netns', '', (p, x) => {
    const netns = v.fields(p, x, { self: (q, y) => v.string(q, y) });
    v.optional(netns, 'initial', p, (q, y) => v.boolean(q, y));
  });
  const strings = (p: string, x: Json): void => void v.array(p, x, (q, y) => v.string(q, y));
  const pair = (p: string, x: Json): void => {
    const object = v.object(p, x);
    for (const key of ['ip', 'ip6']) v.optional(object, key, p, (q, y) => v.string(q, y));
  };
  v.optional(top, 'iptables', '', (p, x) => {
    const iptables = v.fields(p, x, { legacyTables: (q, y) => v.fields(q, y, { ip: strings, ip6: strings }) });
    v.optional(iptables, 'nftSave', p, pair);
    v.optional(iptables, 'legacySave', p, pair);
  });
  v.optional(top, 'invocation', '', strings);
  v.optional(top, 'profile', '', (p, x) => v.string(p, x));
  v.optional(top, 'keepalived', '', (p, x) => validateKeepalived(v, p, x));
  v.optional(top, 'peerKeepalived', '', (p, x) => validateKeepalived(v, p, x));
  v.optional(top, 'os', '', (p, x) => v.object(p, x));
  v.optional(top, 'backend', '', (p, x) => {
    const backend = v.fields(p, x, { name: (q, y) => v.oneOf(q, y, BACKEND_NAMES), reason: (q, y) => v.string(q, y) });
    v.optional(backend, 'version', p, (q, y) => v.string(q, y));
  });
  v.optional(top, 'peerBan', '', (p, x) => v.object(p, x));
  v.optional(top, 'lbfwVerify', '', (p, x) => v.object(p, x));
  v.optional(top, 'blacklist', '', (p, x) =>
    v.fields(p, x, {
      file: (q, y) => v.string(q, y),
      hits: (q, y) =>
        v.array(q, y, (r, z) =>
          v.fields(r, z, {
            entry: (s, w) => v.string(s, w),
            file: (s, w) => v.string(s, w),
            line: (s, w) => v.number(s, w),
            address: (s, w) => v.string(s, w),
            role: (s, w) => v.string(s, w),
          }),
        ),
    }),
  );
  v.optional(top, 'probe', '', (p, x) =>
    v.array(p, x, (q, y) =>
      v.fields(q, y, {
        vip: (r, z) => v.string(r, z),
        iface: (r, z) => v.string(r, z),
        local: (r, z) => v.boolean(r, z),
        answers: (r, z) => v.array(r, z, (s, w) => v.fields(s, w, { mac: (t, u) => v.string(t, u), addresses: (t, u) => v.array(t, u), own: (t, u) => v.boolean(t, u) })),
      }),
    ),
  );
  v.optional(top, 'hostProbe', '', (p, x) =>
    v.array(p, x, (q, y) =>
      v.fields(q, y, {
        address: (r, z) => v.string(r, z),
        role: (r, z) => v.oneOf(r, z, ['peer', 'real server']),
        iface: (r, z) => v.string(r, z),
        source: (r, z) => v.string(r, z),
        macs: (r, z) => v.array(r, z, (s, w) => v.string(s, w)),
      }),
    ),
  );
  return data as Facts;
}

/** parseFacts reads facts from the text of a facts file. */
export function parseFacts(text: string, file: string): Facts {
  let data: Json;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new FactsError(file, '', `not JSON (${(error as Error).message}); expected the output of \`lbfw facts\``);
  }
  return validateFacts(data, file);
}

/** readFactsFile reads and checks a facts file. */
export async function readFactsFile(file: string): Promise<Facts> {
  let text: string;
  try {
    text = await readInputFile(file, { what: 'facts file' });
  } catch (error) {
    const why = shortReason(error);
    throw new FactsError(file, '', `cannot read it (${why}); expected a facts file written by \`lbfw facts > FILE\``);
  }
  return parseFacts(text, file);
}
