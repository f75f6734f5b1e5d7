/**
 * The `overlimit:` section of lbfw.yaml: thresholds, exemptions and ban
 * timing of `lbfw overlimit` and the in-kernel SYN-rate autoban.
 *
 *   overlimit:
 *     max_connections: 100          # per client over all services (the old cron job's limit)
 *     services:
 *       - { service: "192.0.2.10:443/tcp", max_connections: 50 }
 *     states: [ESTABLISHED]
 *     ipv6_prefix: 64
 *     exempt: [203.0.113.0/28]
 *     exempt_connected_networks: true  # clients on the host's own networks
 *     ban_time: 10m
 *     escalation: [1h, 1d]
 *     syn_rate: { rate: 50, burst: 100, meter_size: 65536, ban_time: 10m }
 *     metrics_file: /var/lib/prometheus/node-exporter/lbfw_overlimit.prom
 */
import type { Cidr, OverlimitConfig, OverlimitServiceLimit, SynRateConfig } from './model.js';
import type { Field } from './yaml-nodes.js';
import type { Reader } from './parse.js';
import { checkSource, fail, ok, type Checked } from './values.js';
import { parseVipSpec, VIP_SPEC_GRAMMAR } from './vip-spec.js';
import { isScalar } from 'yaml';
import { describe } from './yaml-nodes.js';
import path from 'node:path';

/** The defaults of every overlimit setting. */
export const DEFAULT_OVERLIMIT: OverlimitConfig = {
  maxConnections: 100,
  services: [],
  states: ['ESTABLISHED'],
  prefix4: 32,
  prefix6: 64,
  exempt: [],
  banSeconds: 600,
  escalation: [],
  historySeconds: 86400,
  setSize: 65536,
  maxRowsOldKernel: 200000,
  exemptConnectedNetworks: true,
};

/** Defaults of `syn_rate:` entries left out. */
export const DEFAULT_SYN_RATE: SynRateConfig = { perSecond: 50, burst: 100, meterSize: 65536, banSeconds: 600 };

const KEYS = [
  'max_connections',
  'services',
  'states',
  'ipv4_prefix',
  'ipv6_prefix',
  'exempt',
  'exempt_connected_networks',
  'ban_time',
  'escalation',
  'history',
  'set_size',
  'syn_rate',
  'max_rows_old_kernel',
  'metrics_file',
];
const SERVICE_KEYS = ['service', 'max_connections'];
const SYN_KEYS = ['rate', 'burst', 'meter_size', 'ban_time'];

/** Largest ban or meter set accepted: far above need, below what costs kernel memory for nothing. */
const MAX_SET_SIZE = 16 * 1024 * 1024;
/** The longest ban time nft takes comfortably (a year). */
const MAX_SECONDS = 365 * 86400;

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/** checkDuration accepts `90`, `90s`, `10m`, `1h`, `1d` (1 second to a year). */
export function checkDuration(text: string): Checked<number> {
  const match = /^(\d{1,8})([smhd]?)$/.exec(text.trim());
  const seconds = match === null ? NaN : Number(match[1]) * (UNITS[match[2] || 's'] ?? 1);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SECONDS) {
    return fail(`"${text}" is not a duration; expected seconds or a number with s, m, h or d (e.g. 10m), 1 s to 365 d`);
  }
  return ok(seconds);
}

function integer(reader: Reader, field: Field, min: number, max: number): number | undefined {
  const node = field.value;
  const value = isScalar(node) && typeof node.value === 'number' ? node.value : isScalar(node) && typeof node.value === 'string' && /^\d+$/.test(node.value) ? Number(node.value) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    return reader.report(reader.lineOf(node, field.line), `overlimit.${field.name}: expected an integer ${min}-${max}; got ${describe(node)}`);
  }
  return value;
}

function duration(reader: Reader, node: unknown, line: number, name: string): number | undefined {
  if (isScalar(node) && typeof node.value === 'number') return reader.accept(checkDuration(String(node.value)), reader.lineOf(node, line), name);
  return reader.checked(node, line, name, 'a duration such as 10m', checkDuration);
}

function readLimits(reader: Reader, field: Field): OverlimitServiceLimit[] {
  const items = reader.list(field, 'overlimit.services', `{ service: "${VIP_SPEC_GRAMMAR}", max_connections: N }`) ?? [];
  const limits: OverlimitServiceLimit[] = [];
  for (const item of items) {
    const line = reader.lineOf(item, field.line);
    const fields = reader.mapping(item, line, 'overlimit.services', 'in an overlimit.services entry', SERVICE_KEYS);
    if (fields === undefined) continue;
    const serviceField = fields.get('service');
    const maxField = fields.get('max_connections');
    if (serviceField?.value === undefined || maxField?.value === undefined) {
      reader.report(line, 'overlimit.services: each entry needs service and max_connections');
      continue;
    }
    const spec = reader.checked(serviceField.value, serviceField.line, 'overlimit.services.service', VIP_SPEC_GRAMMAR, (text) => {
      const parsed = parseVipSpec(text);
      return parsed.ok && parsed.value.port === undefined ? fail('a service limit names its port') : parsed;
    });
    const max = integer(reader, maxField, 1, 10_000_000);
    if (spec === undefined || max === undefined) continue;
    const { family, address, protocol, port } = spec as { family: 4 | 6; address: string; protocol: 'tcp' | 'udp'; port: number };
    limits.push({ family, address, protocol, port, maxConnections: max, origin: reader.origin(line) });
  }
  return limits;
}

function readStates(reader: Reader, field: Field): string[] | undefined {
  const items = reader.list(field, 'overlimit.states', 'IPVS state names such as ESTABLISHED') ?? [];
  const states = items.map((item) =>
    reader.checked(item, field.line, 'overlimit.states', 'an IPVS state name', (text) =>
      /^[A-Z][A-Z_]{1,15}$/.test(text) ? ok(text) : fail(`"${text}" is not an IPVS state name (ESTABLISHED, SYN_RECV, FIN_WAIT, ...)`),
    ),
  );
  if (states.length === 0) reader.report(field.line, 'overlimit.states: expected at least one state, e.g. [ESTABLISHED]');
  return states.every((s) => s !== undefined) && states.length > 0 ? (states as string[]) : undefined;
}

function readExempt(reader: Reader, field: Field): Cidr[] {
  const items = reader.list(field, 'overlimit.exempt', 'addresses or prefixes, e.g. [203.0.113.0/28]') ?? [];
  const out: Cidr[] = [];
  for (const item of items) {
    const cidr = reader.checked(item, reader.lineOf(item, field.line), 'overlimit.exempt', 'an address or prefix', checkSource);
    if (cidr !== undefined) out.push(cidr);
  }
  return out;
}

function readSynRate(reader: Reader, field: Field): SynRateConfig | undefined {
  const fields = reader.mapping(field.value, field.line, 'overlimit.syn_rate', 'in overlimit.syn_rate', SYN_KEYS);
  if (fields === undefined) return undefined;
  const get = (key: string, min: number, max: number, fallback: number): number | undefined => {
    const f = fields.get(key);
    return f?.value === undefined ? fallback : integer(reader, { ...f, name: `syn_rate.${key}` }, min, max);
  };
  const banField = fields.get('ban_time');
  const perSecond = get('rate', 1, 1_000_000, DEFAULT_SYN_RATE.perSecond);
  const burst = get('burst', 0, 1_000_000, DEFAULT_SYN_RATE.burst);
  const meterSize = get('meter_size', 16, MAX_SET_SIZE, DEFAULT_SYN_RATE.meterSize);
  const banSeconds = banField?.value === undefined ? DEFAULT_SYN_RATE.banSeconds : duration(reader, banField.value, banField.line, 'overlimit.syn_rate.ban_time');
  if (perSecond === undefined || burst === undefined || meterSize === undefined || banSeconds === undefined) return undefined;
  return { perSecond, burst, meterSize, banSeconds };
}

/** readOverlimit reads the `overlimit:` section; undefined when absent (the defaults apply). */
export function readOverlimit(reader: Reader, field: Field | undefined): OverlimitConfig | undefined {
  if (field?.value === undefined) return undefined;
  const fields = reader.mapping(field.value, field.line, 'overlimit', 'in overlimit', KEYS);
  if (fields === undefined) return undefined;
  let config: { -readonly [K in keyof OverlimitConfig]: OverlimitConfig[K] } = { ...DEFAULT_OVERLIMIT };
  for (const f of fields.values()) {
    if (f.value === undefined) continue;
    switch (f.name) {
      case 'max_connections': {
        const v = integer(reader, f, 1, 10_000_000);
        if (v !== undefined) config.maxConnections = v;
        break;
      }
      case 'services':
        config.services = readLimits(reader, f);
        break;
      case 'states': {
        const v = readStates(reader, f);
        if (v !== undefined) config.states = v;
        break;
      }
      case 'ipv4_prefix': {
        const v = integer(reader, f, 8, 32);
        if (v !== undefined) config.prefix4 = v;
        break;
      }
      case 'ipv6_prefix': {
        const v = integer(reader, f, 32, 128);
        if (v !== undefined) config.prefix6 = v;
        break;
      }
      case 'exempt':
        config.exempt = readExempt(reader, f);
        break;
      case 'exempt_connected_networks': {
        const node = f.value;
        if (isScalar(node) && typeof node.value === 'boolean') config.exemptConnectedNetworks = node.value;
        else reader.report(reader.lineOf(node, f.line), `overlimit.exempt_connected_networks: expected true or false; got ${describe(node)}`);
        break;
      }
      case 'ban_time': {
        const v = duration(reader, f.value, f.line, 'overlimit.ban_time');
        if (v !== undefined) config.banSeconds = v;
        break;
      }
      case 'history': {
        const v = duration(reader, f.value, f.line, 'overlimit.history');
        if (v !== undefined) config.historySeconds = v;
        break;
      }
      case 'escalation': {
        const items = reader.list(f, 'overlimit.escalation', 'durations such as [1h, 1d]') ?? [];
        const values = items.map((item) => duration(reader, item, reader.lineOf(item, f.line), 'overlimit.escalation'));
        if (values.every((v) => v !== undefined)) config.escalation = values as number[];
        break;
      }
      case 'set_size': {
        const v = integer(reader, f, 16, MAX_SET_SIZE);
        if (v !== undefined) config.setSize = v;
        break;
      }
      case 'syn_rate': {
        const v = readSynRate(reader, f);
        if (v !== undefined) config = { ...config, synRate: v };
        break;
      }
      case 'max_rows_old_kernel': {
        const v = integer(reader, f, 1, 1_000_000_000);
        if (v !== undefined) config.maxRowsOldKernel = v;
        break;
      }
      case 'metrics_file': {
        const text = reader.text(f.value, f.line, 'overlimit.metrics_file', 'a file path ending in .prom');
        if (text !== undefined && !text.endsWith('.prom')) reader.report(f.line, 'overlimit.metrics_file: node_exporter reads only *.prom files; name it ….prom');
        else if (text !== undefined) config = { ...config, metricsFile: path.isAbsolute(text) ? text : path.join(path.dirname(reader.file), text) };
        break;
      }
    }
  }
  return config;
}
