/**
 * parseConfig turns the text of lbfw.yaml into a {@link HostConfig}. It is
 * pure: no file is read, every problem of the file is collected with its line,
 * and one {@link ConfigError} carries them all.
 *
 * Choices an operator may ask about:
 * - A VIP service always names its port; the protocol defaults to tcp.
 * - An item listed twice in the file (service, peer, real server, source) is an
 *   error naming both lines: in a hand-kept file it is usually a typo for
 *   another value. Quick flags added on top are deduplicated instead.
 * - A director without services is valid: its firewall then admits peers and
 *   management only. A real server without services is an error.
 * - A `port` may be written `80` or `"80"`; anything else is refused.
 * - A key with an empty value (`peers:`) counts as absent.
 */
import path from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import { YamlReader, describe, isEmpty, openYaml, problemsByLine, type Field } from './yaml-nodes.js';
import { ConfigError, type InputProblem } from '../errors.js';
import {
  DEFAULT_BLACKLIST_PATH,
  DEFAULT_SSH_PORT,
  type AllowRule,
  type Address,
  type Cidr,
  type ForwardingMethod,
  type HostConfig,
  type InputPolicy,
  type Interfaces,
  type Origin,
  type Peer,
  type Protocol,
  type RealServer,
  type Role,
  type VipService,
} from './model.js';
import { cidrKey, peerKey, realServerKey, serviceKey } from './merge.js';
import {
  type Checked,
  PORT_ALLOWED,
  REALSERVER_NEEDS_VIP,
  ROLES,
  checkHostAddress,
  checkInputPolicy,
  checkInterfaceName,
  checkPortNumber,
  checkPortText,
  checkProtocol,
  checkRole,
  checkSource,
  suggest,
} from './values.js';
import { readOverlimit } from './overlimit.js';
import { REALSERVER_SPEC_GRAMMAR, VIP_SPEC_GRAMMAR, parseRealServerSpec, parseVipSpec } from './vip-spec.js';

const TOP_KEYS = [
  'role', 'interfaces', 'services', 'peers', 'realservers', 'forwarding', 'directors', 'addresses', 'management', 'blacklist',
  'keepalived', 'input_policy', 'overlimit',
];
const INTERFACE_KEYS = ['vip', 'realservers', 'sync', 'client'];
const FORWARDING_METHODS: readonly ForwardingMethod[] = ['dr', 'nat'];
const SERVICE_KEYS = ['address', 'port', 'ports', 'protocol'];
const REALSERVER_KEYS = ['address', 'port'];
const MANAGEMENT_KEYS = ['sources', 'ssh_port', 'allow'];
const ALLOW_KEYS = ['sources', 'protocol', 'port', 'ports', 'comment'];

/** nft keeps at most 128 bytes of a rule comment (NFTNL_UDATA_COMMENT_MAXLEN). */
const COMMENT_MAX_BYTES = 128;

type Fields = ReadonlyMap<string, Field>;

/** Reader reads lbfw.yaml: the shared YAML walk plus this format's values. */
export class Reader extends YamlReader {
  origin(line: number): Origin {
    return { kind: 'config', file: this.file, line };
  }

  /**
   * mapping returns the allowed keys of a mapping node and reports the others.
   * Duplicate keys never get here: the YAML parser refuses them. `name`
   * labels a wrong-type message, `where` an unknown-key one (`at the top level`).
   */
  mapping(node: unknown, line: number, name: string, where: string, allowed: readonly string[]): Fields | undefined {
    if (!isMap(node)) {
      this.report(this.lineOf(node, line), `${name}: expected a mapping with keys ${allowed.join(', ')}; got ${describe(node)}`);
      return undefined;
    }
    const fields = new Map<string, Field>();
    for (const pair of node.items) {
      const key = this.deref(pair.key);
      const keyLine = this.lineOf(key, this.lineOf(node, line));
      const keyName = isScalar(key) ? String(key.value) : undefined;
      if (keyName === undefined || !allowed.includes(keyName)) {
        const shown = keyName === undefined ? describe(key) : `"${keyName}"`;
        const hint = keyName === undefined ? undefined : suggest(keyName, allowed);
        const didYouMean = hint === undefined ? '' : ` (did you mean ${hint}?)`;
        this.report(keyLine, `unknown key ${shown} ${where}${didYouMean}; allowed keys: ${allowed.join(', ')}`);
        continue;
      }
      const value = this.deref(pair.value);
      fields.set(keyName, { name: keyName, line: keyLine, value: isEmpty(value) ? undefined : value });
    }
    return fields;
  }

  /** list returns the (dereferenced) items of a sequence, or reports what was found instead. */
  list(field: Field, name: string, expected: string): readonly unknown[] | undefined {
    if (!isSeq(field.value)) {
      this.report(this.lineOf(field.value, field.line), `${name}: expected a list of ${expected}; got ${describe(field.value)}`);
      return undefined;
    }
    return field.value.items.map((item) => this.deref(item));
  }

  /** checked reads a string scalar and runs a value check on it. */
  checked<T>(node: unknown, line: number, name: string, expected: string, check: (text: string) => Checked<T>): T | undefined {
    const text = this.text(node, line, name, expected);
    if (text === undefined) return undefined;
    return this.accept(check(text), this.lineOf(node, line), name);
  }

  accept<T>(result: Checked<T>, line: number, name: string): T | undefined {
    if (result.ok) return result.value;
    this.report(line, `${name}: ${result.problem}`);
    return undefined;
  }

  /** port reads `80` or `"80"`. */
  port(node: unknown, line: number, name: string): number | undefined {
    const at = this.lineOf(node, line);
    if (isScalar(node) && typeof node.value === 'number') return this.accept(checkPortNumber(node.value), at, name);
    if (isScalar(node) && typeof node.value === 'string') return this.accept(checkPortText(node.value), at, name);
    this.report(at, `${name}: expected a port, ${PORT_ALLOWED}; got ${describe(node)}`);
    return undefined;
  }

  /** Reports an item whose key was seen before in the same list. */
  unique(seen: Map<string, number>, key: string, line: number, what: string): boolean {
    const first = seen.get(key);
    if (first !== undefined) {
      this.report(line, `duplicate ${what} ${key} (already at line ${first}); list each one once`);
      return false;
    }
    seen.set(key, line);
    return true;
  }
}


/** parseConfig reads lbfw.yaml text; `file` names it in problems and anchors relative paths. */
export function parseConfig(text: string, file: string): HostConfig {
  const { reader, root } = openYaml(text, file, (...args) => new Reader(...args));
  const config = readHost(reader, root);
  if (config === undefined || reader.problems.length > 0) throw new ConfigError(problemsByLine(reader.problems));
  return config;
}


function readHost(reader: Reader, root: unknown): HostConfig | undefined {
  if (isEmpty(root)) {
    reader.report(0, `the config is empty; it needs at least "role: director" or "role: realserver"`);
    return undefined;
  }
  const fields = reader.mapping(root, 1, 'the config', 'at the top level', TOP_KEYS);
  if (fields === undefined) return undefined;

  const roleField = fields.get('role');
  let role: Role | undefined;
  if (roleField?.value === undefined) {
    reader.report(roleField?.line ?? reader.lineOf(root, 1), `role is missing; expected "role: ${ROLES.join('" or "role: ')}"`);
  } else {
    role = reader.checked(roleField.value, roleField.line, 'role', `one of: ${ROLES.join(', ')}`, checkRole);
  }

  const interfaces = readInterfaces(reader, fields.get('interfaces'), role);
  const services = readServices(reader, fields.get('services'), role, roleField?.line ?? 1);
  const peers = readHostList(reader, fields.get('peers'), role, PEERS);
  const directors = readHostList(reader, fields.get('directors'), role, DIRECTORS);
  const addresses = readHostList(reader, fields.get('addresses'), role, ADDRESSES).map(({ family, address }) => ({ family, address }));
  const forwarding = readForwarding(reader, fields.get('forwarding'), role);
  const realServers = readRealServers(reader, fields.get('realservers'), role);
  const management = readManagement(reader, fields.get('management'));
  const blacklistField = fields.get('blacklist');
  const blacklistPath =
    blacklistField?.value === undefined ? DEFAULT_BLACKLIST_PATH : readPath(reader, blacklistField, 'the path of the static blacklist file');
  const keepalivedField = fields.get('keepalived');
  const keepalivedPath =
    keepalivedField?.value === undefined ? undefined : readPath(reader, keepalivedField, 'the path of keepalived.conf');
  const inputPolicyField = fields.get('input_policy');
  const inputPolicy: InputPolicy | undefined =
    inputPolicyField?.value === undefined
      ? 'drop'
      : reader.checked(inputPolicyField.value, inputPolicyField.line, 'input_policy', 'drop or accept', checkInputPolicy);

  const overlimit = readOverlimit(reader, fields.get('overlimit'));

  if (role === undefined || inputPolicy === undefined || blacklistPath === undefined) return undefined;
  return {
    file: reader.file,
    role,
    interfaces,
    services,
    peers,
    realServers,
    management,
    blacklistPath,
    ...(keepalivedPath === undefined ? {} : { keepalivedPath }),
    inputPolicy,
    ...(forwarding === undefined ? {} : { forwarding }),
    ...(directors.length === 0 ? {} : { directors }),
    ...(addresses.length === 0 ? {} : { addresses: addresses as readonly Address[] }),
    ...(overlimit === undefined ? {} : { overlimit }),
  };
}

function readForwarding(reader: Reader, field: Field | undefined, role: Role | undefined): ForwardingMethod | undefined {
  if (field?.value === undefined) return undefined;
  if (!roleAllows(reader, field, role, 'director', 'how IPVS forwards to the real servers')) return undefined;
  return reader.checked(field.value, field.line, 'forwarding', 'dr or nat', (text) =>
    (FORWARDING_METHODS as readonly string[]).includes(text)
      ? { ok: true, value: text as ForwardingMethod }
      : { ok: false, problem: `"${text}" is not a forwarding method; expected dr (Direct Routing) or nat` },
  );
}

/** Which interface keys belong to which role, and what they mean (for messages). */
const INTERFACE_ROLES: Readonly<Record<string, { role: Role; meaning: string }>> = {
  vip: { role: 'director', meaning: 'where the VIPs live and client traffic arrives' },
  realservers: { role: 'director', meaning: 'the interface facing the real servers' },
  sync: { role: 'director', meaning: 'where the IPVS sync daemon talks to the peers' },
  client: { role: 'realserver', meaning: 'the client-facing interface where ARP for the VIP arrives' },
};

function readInterfaces(reader: Reader, field: Field | undefined, role: Role | undefined): Interfaces {
  if (field?.value === undefined) return {};
  const fields = reader.mapping(field.value, field.line, 'interfaces', 'in interfaces', INTERFACE_KEYS);
  if (fields === undefined) return {};
  const names: { vip?: string; realServers?: string; client?: string; sync?: string } = {};
  for (const entry of fields.values()) {
    if (entry.value === undefined) continue;
    const rule = INTERFACE_ROLES[entry.name];
    if (rule !== undefined && role !== undefined && rule.role !== role) {
      const own = INTERFACE_KEYS.filter((key) => INTERFACE_ROLES[key]?.role === role).map((key) => `interfaces.${key}`);
      reader.report(
        entry.line,
        `interfaces.${entry.name} (${rule.meaning}) is only for role ${rule.role}; a ${role} uses ${own.join(' and ')}`,
      );
      continue;
    }
    const name = reader.checked(entry.value, entry.line, `interfaces.${entry.name}`, 'an interface name such as eth0', checkInterfaceName);
    if (name === undefined) continue;
    if (entry.name === 'vip') names.vip = name;
    else if (entry.name === 'realservers') names.realServers = name;
    else if (entry.name === 'sync') names.sync = name;
    else names.client = name;
  }
  return names;
}

/** Reports a section that only the other role uses; true when the section may be read. */
function roleAllows(reader: Reader, field: Field, role: Role | undefined, only: Role, meaning: string): boolean {
  if (role === undefined || role === only) return true;
  reader.report(field.line, `${field.name} (${meaning}) is only for role ${only}; remove it from a ${role} config`);
  return false;
}

function readServices(reader: Reader, field: Field | undefined, role: Role | undefined, roleLine: number): readonly VipService[] {
  const items =
    field?.value === undefined ? [] : reader.list(field, 'services', `VIP services (${VIP_SPEC_GRAMMAR}, or address/port/protocol)`);
  if (items === undefined) return [];
  if (items.length === 0 && role === 'realserver') reader.report(field?.line ?? roleLine, REALSERVER_NEEDS_VIP);
  const services: VipService[] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const line = reader.lineOf(item, field?.line ?? 1);
    for (const service of readService(reader, item, line)) {
      if (reader.unique(seen, serviceKey(service), line, 'service')) services.push(service);
    }
  }
  return services;
}

function readService(reader: Reader, item: unknown, line: number): readonly VipService[] {
  if (isScalar(item) && typeof item.value === 'string') {
    const spec = reader.accept(parseVipSpec(item.value), line, 'services');
    return spec === undefined ? [] : [{ ...spec, origin: reader.origin(line) }];
  }
  if (!isMap(item)) {
    reader.report(line, `services: expected "${VIP_SPEC_GRAMMAR}" or a mapping with keys ${SERVICE_KEYS.join(', ')}; got ${describe(item)}`);
    return [];
  }
  const fields = reader.mapping(item, line, 'services', 'in a services entry', SERVICE_KEYS);
  if (fields === undefined) return [];
  const addressField = fields.get('address');
  const address =
    addressField?.value === undefined
      ? reader.report(line, 'services: entry has no address; expected address: 192.0.2.10 (a single IPv4 or IPv6 address)')
      : reader.checked(addressField.value, addressField.line, 'services.address', 'a single IPv4 or IPv6 address', checkHostAddress);
  const protocol = readProtocol(reader, fields.get('protocol'), 'services.protocol');
  const ports = readPorts(reader, fields, line, 'services');
  if (address === undefined || protocol === undefined || ports === undefined) return [];
  return ports.map((port) => ({ ...address, port, protocol, origin: reader.origin(line) }));
}

function readProtocol(reader: Reader, field: Field | undefined, name: string): Protocol | undefined {
  if (field?.value === undefined) return 'tcp';
  return reader.checked(field.value, field.line, name, 'tcp or udp', checkProtocol);
}

/** readPorts reads exactly one of `port: N` or `ports: [N, ...]`. */
function readPorts(reader: Reader, fields: Fields, line: number, name: string): readonly number[] | undefined {
  const port = fields.get('port');
  const ports = fields.get('ports');
  if (port?.value !== undefined && ports?.value !== undefined) {
    reader.report(ports.line, `${name}: give either port or ports, not both`);
    return undefined;
  }
  if (port?.value !== undefined) {
    const value = reader.port(port.value, port.line, `${name}.port`);
    return value === undefined ? undefined : [value];
  }
  if (ports?.value !== undefined) {
    const items = reader.list(ports, `${name}.ports`, `ports (${PORT_ALLOWED}), e.g. [80, 443]`);
    if (items === undefined) return undefined;
    if (items.length === 0) {
      reader.report(ports.line, `${name}.ports: expected at least one port, e.g. [80, 443]`);
      return undefined;
    }
    const values = items.map((item) => reader.port(item, ports.line, `${name}.ports`));
    return values.every((value) => value !== undefined) ? (values as number[]) : undefined;
  }
  reader.report(line, `${name}: entry has no port; expected port: N or ports: [N, ...] with N ${PORT_ALLOWED}`);
  return undefined;
}

/** A list of single addresses of one role: what it is called and means, for messages. */
interface HostList {
  readonly key: string;
  readonly role: Role;
  readonly meaning: string;
  readonly what: string;
  readonly example: string;
}

const PEERS: HostList = {
  key: 'peers',
  role: 'director',
  meaning: 'other directors sharing the VIPs',
  what: 'peer',
  example: 'addresses of the other directors, e.g. [192.0.2.2, 2001:db8::2] (fe80:: link-local ones for VRRPv3 over IPv6)',
};
const DIRECTORS: HostList = {
  key: 'directors',
  role: 'realserver',
  meaning: "the directors whose health checks reach this real server",
  what: 'director',
  example: 'addresses of the directors, e.g. [198.51.100.1, 2001:db8:5::1]',
};
const ADDRESSES: HostList = {
  key: 'addresses',
  role: 'realserver',
  meaning: "this real server's own addresses (RIPs), where health checks connect",
  what: 'address',
  example: "this real server's addresses, e.g. [198.51.100.21, 2001:db8:5::21]",
};

function readHostList(reader: Reader, field: Field | undefined, role: Role | undefined, list: HostList): readonly Peer[] {
  if (field?.value === undefined) return [];
  if (!roleAllows(reader, field, role, list.role, list.meaning)) return [];
  const items = reader.list(field, list.key, list.example) ?? [];
  const hosts: Peer[] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const line = reader.lineOf(item, field.line);
    const address = reader.checked(item, line, list.key, 'a single IPv4 or IPv6 address', checkHostAddress);
    if (address !== undefined && reader.unique(seen, peerKey(address), line, list.what)) {
      hosts.push({ ...address, origin: reader.origin(line) });
    }
  }
  return hosts;
}

function readRealServers(reader: Reader, field: Field | undefined, role: Role | undefined): readonly RealServer[] {
  if (field?.value === undefined) return [];
  if (!roleAllows(reader, field, role, 'director', 'the backends a director forwards to')) return [];
  const items = reader.list(field, 'realservers', `real servers (${REALSERVER_SPEC_GRAMMAR}, or address/port)`) ?? [];
  const servers: RealServer[] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const line = reader.lineOf(item, field.line);
    const spec = readRealServer(reader, item, line);
    if (spec !== undefined && reader.unique(seen, realServerKey(spec), line, 'real server')) {
      servers.push({ ...spec, origin: reader.origin(line) });
    }
  }
  return servers;
}

function readRealServer(reader: Reader, item: unknown, line: number): Omit<RealServer, 'origin'> | undefined {
  if (isScalar(item) && typeof item.value === 'string') return reader.accept(parseRealServerSpec(item.value), line, 'realservers');
  if (!isMap(item)) {
    reader.report(line, `realservers: expected "${REALSERVER_SPEC_GRAMMAR}" or a mapping with keys ${REALSERVER_KEYS.join(', ')}; got ${describe(item)}`);
    return undefined;
  }
  const fields = reader.mapping(item, line, 'realservers', 'in a realservers entry', REALSERVER_KEYS);
  if (fields === undefined) return undefined;
  const addressField = fields.get('address');
  const address =
    addressField?.value === undefined
      ? reader.report(line, 'realservers: entry has no address; expected address: 192.0.2.21 (a single IPv4 or IPv6 address)')
      : reader.checked(addressField.value, addressField.line, 'realservers.address', 'a single IPv4 or IPv6 address', checkHostAddress);
  const portField = fields.get('port');
  if (portField?.value === undefined) return address;
  const port = reader.port(portField.value, portField.line, 'realservers.port');
  return address === undefined || port === undefined ? undefined : { ...address, port };
}

function readManagement(reader: Reader, field: Field | undefined): HostConfig['management'] {
  const defaults = { sources: [], sshPort: DEFAULT_SSH_PORT, allow: [] };
  if (field?.value === undefined) return defaults;
  const fields = reader.mapping(field.value, field.line, 'management', 'in management', MANAGEMENT_KEYS);
  if (fields === undefined) return defaults;
  const sshPortField = fields.get('ssh_port');
  const sshPort =
    sshPortField?.value === undefined ? DEFAULT_SSH_PORT : reader.port(sshPortField.value, sshPortField.line, 'management.ssh_port');
  return {
    sources: readSources(reader, fields.get('sources'), 'management.sources') ?? [],
    sshPort: sshPort ?? DEFAULT_SSH_PORT,
    allow: readAllowRules(reader, fields.get('allow')),
  };
}

/** readSources reads a list of addresses or prefixes; undefined when absent or wrong. */
function readSources(reader: Reader, field: Field | undefined, name: string): readonly Cidr[] | undefined {
  if (field?.value === undefined) return undefined;
  const items = reader.list(field, name, 'addresses or prefixes, e.g. [198.51.100.0/24, 2001:db8:100::/48]');
  if (items === undefined) return undefined;
  const sources: Cidr[] = [];
  const seen = new Map<string, number>();
  let bad = false;
  for (const item of items) {
    const line = reader.lineOf(item, field.line);
    const cidr = reader.checked(item, line, name, 'an address or prefix such as 198.51.100.0/24', checkSource);
    if (cidr === undefined) bad = true;
    else if (reader.unique(seen, cidrKey(cidr), line, 'source')) sources.push(cidr);
  }
  return bad ? undefined : sources;
}

function readAllowRules(reader: Reader, field: Field | undefined): readonly AllowRule[] {
  if (field?.value === undefined) return [];
  const items = reader.list(field, 'management.allow', 'rules such as { sources: [198.51.100.7], protocol: tcp, port: 9100 }') ?? [];
  const rules: AllowRule[] = [];
  for (const item of items) {
    const line = reader.lineOf(item, field.line);
    const fields = reader.mapping(item, line, 'management.allow', 'in a management.allow entry', ALLOW_KEYS);
    if (fields === undefined) continue;
    const sourcesField = fields.get('sources');
    const sources = readSources(reader, sourcesField, 'management.allow.sources');
    if (sourcesField?.value === undefined) {
      reader.report(line, 'management.allow: entry has no sources; expected sources: [ADDR or PREFIX, ...] (0.0.0.0/0 and ::/0 for anyone)');
    } else if (sources?.length === 0) {
      reader.report(sourcesField.line, 'management.allow.sources: expected at least one address or prefix');
    }
    const protocol = readProtocol(reader, fields.get('protocol'), 'management.allow.protocol');
    const ports = readPorts(reader, fields, line, 'management.allow');
    const comment = readComment(reader, fields.get('comment'));
    if (sources === undefined || sources.length === 0 || protocol === undefined || ports === undefined || comment === null) continue;
    for (const port of ports) {
      rules.push({ sources, protocol, port, ...(comment === undefined ? {} : { comment }), origin: reader.origin(line) });
    }
  }
  return rules;
}

/** readComment returns the comment, undefined when absent, null when refused. */
function readComment(reader: Reader, field: Field | undefined): string | undefined | null {
  if (field?.value === undefined) return undefined;
  const value = field.value;
  const text = isScalar(value) && value.value !== null && typeof value.value !== 'object' ? String(value.value) : undefined;
  if (text === undefined || text.includes('"') || text.includes('\n') || Buffer.byteLength(text) > COMMENT_MAX_BYTES) {
    reader.report(
      reader.lineOf(value, field.line),
      `management.allow.comment: expected one line of text of at most ${COMMENT_MAX_BYTES} bytes without double quotes (nftables keeps rule comments that short); got ${describe(value)}`,
    );
    return null;
  }
  return text;
}

/** readPath reads a file path, relative to the config file's directory. */
function readPath(reader: Reader, field: Field, meaning: string): string | undefined {
  const text = reader.text(field.value, field.line, field.name, meaning);
  if (text === undefined) return undefined;
  if (text.trim() === '') {
    reader.report(field.line, `${field.name}: expected ${meaning}; got an empty string`);
    return undefined;
  }
  return resolveBeside(reader.file, text);
}

/** resolveBeside resolves `target` against the directory of `file`, as include paths are. */
export function resolveBeside(file: string, target: string): string {
  return path.isAbsolute(target) ? path.normalize(target) : path.join(path.dirname(file), target);
}
