/**
 * iptables rules as the doctor's nft evaluator reads them. Two cases need it:
 *
 * - iptables-nft writes its rules into nftables, but every match or target
 *   without a native nft form (conntrack, state, multiport, mark, MARK, ...)
 *   shows in `nft -j list ruleset` only as `{"xt": {"name": "conntrack"}}`,
 *   without its options. `iptables-nft-save` prints the same rules in the
 *   same order with their options, so each rule is read back from there.
 * - legacy iptables (ip_tables) is invisible to nft altogether: its rules
 *   come only from `iptables-legacy-save`.
 *
 * Both become libnftables-json(5) rule expressions. A match this reader does
 * not know stays an `xt` expression named in {@link UNJUDGED_KEY}, which the
 * evaluator treats as "may match" and the doctor names as "could not be
 * judged". Pure.
 */

/** Key of an `xt` expression that no save line explained: the option text (or why). */
export const UNJUDGED_KEY = 'lbfw_unjudged';

/** SavedRule: one `-A CHAIN ...` line. */
export interface SavedRule {
  readonly table: string;
  readonly chain: string;
  readonly line: number;
  readonly text: string;
  /** The rule as nft JSON expressions. */
  readonly expr: readonly unknown[];
}

/** SavedChain: one `:CHAIN POLICY [p:b]` line of a table (built-in chains have a policy, user chains `-`). */
export interface SavedChain {
  readonly table: string;
  readonly name: string;
  readonly policy?: string;
}

/** SavedRuleset: what one `iptables-save` printed. */
export interface SavedRuleset {
  readonly chains: readonly SavedChain[];
  readonly rules: readonly SavedRule[];
}

/** words splits a save line as the shell would (iptables-save quotes comments with "). */
function words(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of text.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? ''));
  return out;
}

function addrRight(text: string): unknown {
  const [addr = '', len] = text.split('/');
  if (len === undefined) return addr;
  return /^\d+$/.test(len) ? { prefix: { addr, len: Number(len) } } : addr;
}

function portElement(text: string): unknown {
  const range = /^(\d+):(\d+)$/.exec(text);
  if (range !== null) return { range: [Number(range[1]), Number(range[2])] };
  return /^\d+$/.test(text) ? Number(text) : text;
}

function portsRight(text: string): unknown {
  const items = text.split(',').map(portElement);
  return items.length === 1 ? items[0] : { set: items };
}

function numberOf(text: string): number | undefined {
  const value = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : undefined;
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

function match(left: unknown, right: unknown, negated: boolean): unknown {
  return { match: { op: negated ? '!=' : '==', left, right } };
}

const PAYLOAD = (protocol: string, field: string): unknown => ({ payload: { protocol, field } });

/** Modules whose options never decide whether a packet matches. */
const NEUTRAL_MODULES = new Set(['comment']);
/** Modules that match only sometimes (rates, counts). */
const SOMETIMES_MODULES = new Set(['limit', 'hashlimit', 'connlimit', 'recent', 'quota', 'statistic']);
/** Targets that do not decide the verdict. */
const NEUTRAL_TARGETS = new Set(['LOG', 'NFLOG', 'TRACE', 'NOTRACK', 'CT', 'CONNMARK', 'TCPMSS', 'DSCP', 'TOS', 'TTL', 'HL', 'AUDIT', 'SECMARK', 'CONNSECMARK']);

/**
 * parseRuleWords turns the words after `-A CHAIN` into nft expressions.
 * `family` is `ip` or `ip6`.
 */
export function parseRuleWords(list: readonly string[], family: 'ip' | 'ip6'): unknown[] {
  const expr: unknown[] = [];
  let module: string | undefined;
  let proto: string | undefined;
  let negated = false;
  const unjudged = (what: string): void => {
    expr.push({ xt: { type: 'match', name: module ?? what, [UNJUDGED_KEY]: what } });
  };
  for (let i = 0; i < list.length; i++) {
    const word = list[i] ?? '';
    const next = (): string => list[++i] ?? '';
    if (word === '!') {
      negated = true;
      continue;
    }
    const neg = negated;
    negated = false;
    switch (word) {
      case '-s':
      case '--source':
        expr.push(match(PAYLOAD(family, 'saddr'), addrRight(next()), neg));
        continue;
      case '-d':
      case '--destination':
        expr.push(match(PAYLOAD(family, 'daddr'), addrRight(next()), neg));
        continue;
      case '-p':
      case '--protocol': {
        proto = next().toLowerCase();
        if (proto !== 'all') expr.push(match({ meta: { key: 'l4proto' } }, /^\d+$/.test(proto) ? Number(proto) : proto, neg));
        continue;
      }
      case '-i':
      case '--in-interface':
        expr.push(match({ meta: { key: 'iifname' } }, next().replace(/\+$/, '*'), neg));
        continue;
      case '-o':
      case '--out-interface':
        expr.push(match({ meta: { key: 'oifname' } }, next().replace(/\+$/, '*'), neg));
        continue;
      case '-m':
      case '--match':
        module = next();
        if (SOMETIMES_MODULES.has(module)) expr.push({ limit: { lbfw: module } });
        continue;
      case '--dport':
      case '--destination-port':
      case '--sport':
      case '--source-port': {
        const field = word.startsWith('--d') ? 'dport' : 'sport';
        expr.push(match(PAYLOAD(proto === 'tcp' || proto === 'udp' || proto === 'sctp' ? proto : 'th', field), portElement(next()), neg));
        continue;
      }
      case '--dports':
      case '--destination-ports':
      case '--sports':
      case '--source-ports': {
        const field = word.startsWith('--d') ? 'dport' : 'sport';
        expr.push(match(PAYLOAD('th', field), portsRight(next()), neg));
        continue;
      }
      case '--ctstate':
      case '--state': {
        const states = next().toLowerCase().split(',');
        expr.push(match({ ct: { key: 'state' } }, states.length === 1 ? states[0] : states, neg));
        continue;
      }
      case '--ttl-eq':
      case '--ttl-gt':
      case '--ttl-lt':
      case '--hl-eq':
      case '--hl-gt':
      case '--hl-lt': {
        // -m ttl / -m hl: the TTL or hop limit compared with a number.
        const value = numberOf(next());
        const kind = word.slice(-2);
        const op = kind === 'eq' ? (neg ? '!=' : '==') : kind === 'gt' ? (neg ? '<=' : '>') : neg ? '>=' : '<';
        if (value === undefined) unjudged(word);
        else expr.push({ match: { op, left: PAYLOAD(family, word.startsWith('--ttl') ? 'ttl' : 'hoplimit'), right: value } });
        continue;
      }
      case '--icmp-type':
      case '--icmpv6-type': {
        // `8`, `3/4` (type/code) or a name; the code is a further match the evaluator cannot see.
        const [type = '', code] = next().split('/');
        const protocol = word === '--icmp-type' ? 'icmp' : 'icmpv6';
        // `! 3/4` is "not (type 3 and code 4)": without the code it may match any type.
        if (!(neg && code !== undefined)) expr.push(match(PAYLOAD(protocol, 'type'), numberOf(type) ?? type, neg));
        if (code !== undefined) expr.push(match(PAYLOAD(protocol, 'code'), numberOf(code) ?? code, neg));
        continue;
      }
      case '--mark': {
        const [value = '', mask] = next().split('/');
        const number = numberOf(value);
        if (number === undefined || (mask !== undefined && numberOf(mask) !== 0xffffffff)) unjudged(`--mark ${value}${mask === undefined ? '' : `/${mask}`}`);
        else expr.push(match({ meta: { key: 'mark' } }, number, neg));
        continue;
      }
      case '-j':
      case '--jump':
      case '-g':
      case '--goto': {
        const target = next();
        const goto = word === '-g' || word === '--goto';
        if (target === 'ACCEPT') expr.push({ accept: null });
        else if (target === 'DROP') expr.push({ drop: null });
        else if (target === 'REJECT') expr.push({ reject: null });
        else if (target === 'RETURN') expr.push({ return: null });
        else if (target === 'MARK') {
          const option = list[i + 1];
          const value = list[i + 2] ?? '';
          if (option === '--set-mark' || option === '--set-xmark') {
            i += 2;
            const [v = '', mask] = value.split('/');
            const number = numberOf(v);
            if (number !== undefined && (mask === undefined || numberOf(mask) === 0xffffffff)) {
              expr.push({ mangle: { key: { meta: { key: 'mark' } }, value: number } });
              continue;
            }
          }
          expr.push({ xt: { type: 'target', name: 'MARK', [UNJUDGED_KEY]: `-j MARK ${option ?? ''} ${value}`.trim() } });
        } else if (NEUTRAL_TARGETS.has(target)) {
          expr.push({ counter: null });
        } else if (target === 'NFQUEUE' || target === 'QUEUE') {
          expr.push({ queue: null });
        } else if (['DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'TPROXY'].includes(target)) {
          expr.push({ counter: null });
        } else {
          expr.push({ [goto ? 'goto' : 'jump']: { target } });
        }
        // Options of the target (e.g. --reject-with) follow; they do not change the verdict.
        return expr;
      }
      default: {
        if (module !== undefined && NEUTRAL_MODULES.has(module)) {
          if (word.startsWith('--')) next();
          continue;
        }
        if (module !== undefined && SOMETIMES_MODULES.has(module)) continue;
        if (word.startsWith('--') && (module === 'tcp' || module === 'udp') && (word === '--tcp-flags' || word === '--syn')) {
          unjudged(word);
          continue;
        }
        if (word.startsWith('-')) unjudged(`${neg ? '! ' : ''}${word}${module === undefined ? '' : ` (-m ${module})`}`);
      }
    }
  }
  return expr;
}

/** parseIptablesSave reads the output of `iptables-save` (legacy or nft) for `family` (`ip` or `ip6`). */
export function parseIptablesSave(text: string, family: 'ip' | 'ip6'): SavedRuleset {
  const chains: SavedChain[] = [];
  const rules: SavedRule[] = [];
  let table: string | undefined;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      table = line.slice(1);
      continue;
    }
    if (line === 'COMMIT' || table === undefined) continue;
    if (line.startsWith(':')) {
      const [name = '', policy = '-'] = line.slice(1).split(/\s+/);
      chains.push({ table, name, ...(policy === '-' ? {} : { policy: policy.toLowerCase() }) });
      continue;
    }
    const list = words(line);
    if (list[0] !== '-A' || list[1] === undefined) continue;
    rules.push({ table, chain: list[1], line: index + 1, text: line, expr: parseRuleWords(list.slice(2), family) });
  }
  return { chains, rules };
}

/** The hooks and priorities of iptables' built-in chains (iptables-nft uses the same). */
const BUILTIN: Readonly<Record<string, Readonly<Record<string, { hook: string; prio: number }>>>> = {
  raw: { PREROUTING: { hook: 'prerouting', prio: -300 }, OUTPUT: { hook: 'output', prio: -300 } },
  mangle: {
    PREROUTING: { hook: 'prerouting', prio: -150 },
    INPUT: { hook: 'input', prio: -150 },
    FORWARD: { hook: 'forward', prio: -150 },
    OUTPUT: { hook: 'output', prio: -150 },
    POSTROUTING: { hook: 'postrouting', prio: -150 },
  },
  filter: { INPUT: { hook: 'input', prio: 0 }, FORWARD: { hook: 'forward', prio: 0 }, OUTPUT: { hook: 'output', prio: 0 } },
  security: { INPUT: { hook: 'input', prio: 50 }, FORWARD: { hook: 'forward', prio: 50 }, OUTPUT: { hook: 'output', prio: 50 } },
};

/** LEGACY_TABLE_PREFIX marks the pseudo tables legacy iptables rules are shown in. */
export const LEGACY_TABLE_PREFIX = 'iptables-legacy ';

/**
 * legacyAsNft renders a legacy iptables ruleset as nft JSON items (tables
 * named `iptables-legacy filter`, ...), so the evaluator judges them beside
 * the nft tables: the kernel runs both.
 */
export function legacyAsNft(saved: SavedRuleset, family: 'ip' | 'ip6'): unknown[] {
  const items: unknown[] = [];
  const tables = [...new Set(saved.chains.map((c) => c.table))];
  for (const t of tables) {
    const name = `${LEGACY_TABLE_PREFIX}${t}`;
    items.push({ table: { family, name } });
    for (const chain of saved.chains.filter((c) => c.table === t)) {
      const builtin = BUILTIN[t]?.[chain.name];
      items.push({
        chain: {
          family,
          table: name,
          name: chain.name,
          ...(builtin === undefined ? {} : { type: 'filter', hook: builtin.hook, prio: builtin.prio, policy: chain.policy ?? 'accept' }),
        },
      });
    }
    for (const rule of saved.rules.filter((r) => r.table === t)) {
      items.push({ rule: { family, table: name, chain: rule.chain, comment: `iptables-legacy-save line ${rule.line}: ${rule.text}`, expr: rule.expr } });
    }
  }
  return items;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function hasXt(rule: Record<string, unknown>): boolean {
  const expr = rule['expr'];
  return Array.isArray(expr) && expr.some((e) => record(e)?.['xt'] !== undefined);
}

/**
 * explainXt replaces, in `nft -j list ruleset` items, every iptables-nft rule
 * holding `xt` expressions by the same rule read from iptables-nft-save
 * (matched by table, chain and position). Rules it cannot pair keep their
 * `xt` expressions, marked as unjudged.
 */
export function explainXt(items: readonly unknown[], saves: Readonly<Partial<Record<'ip' | 'ip6', string>>>): unknown[] {
  const parsed: Partial<Record<string, SavedRuleset>> = {};
  for (const family of ['ip', 'ip6'] as const) {
    const text = saves[family];
    if (text !== undefined) parsed[family] = parseIptablesSave(text, family);
  }
  const position = new Map<string, number>();
  return items.map((item) => {
    const object = record(item);
    const rule = record(object?.['rule']);
    if (rule === undefined) return item;
    const family = String(rule['family']);
    const key = `${family}|${String(rule['table'])}|${String(rule['chain'])}`;
    const index = position.get(key) ?? 0;
    position.set(key, index + 1);
    if (!hasXt(rule)) return item;
    const saved = parsed[family]?.rules.filter((r) => r.table === rule['table'] && r.chain === rule['chain'])[index];
    if (saved !== undefined) return { rule: { ...rule, expr: saved.expr, comment: `iptables-nft-save: ${saved.text}` } };
    const expr = (rule['expr'] as unknown[]).map((e) => {
      const xt = record(record(e)?.['xt']);
      return xt === undefined ? e : { xt: { ...xt, [UNJUDGED_KEY]: `${String(xt['type'] ?? 'match')} ${String(xt['name'] ?? '?')} (iptables-nft-save not available)` } };
    });
    return { rule: { ...rule, expr } };
  });
}
