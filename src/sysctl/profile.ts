/**
 * parseProfile reads one profile file (profiles/<name>.yaml). It is pure:
 * the text comes in, a {@link ProfileDocument} comes out, and every problem
 * of the file is collected with its line into one {@link ConfigError}.
 *
 * ```yaml
 * description: IPVS director, Direct Routing
 * include: [base]
 * sysctls:
 *   net.ipv4.conf.{vip}.rp_filter:
 *     value: "0"          # or "0|2", ">=1", "<=1"
 *     reason: "..."
 * ```
 */
import { isMap, isScalar, isSeq } from 'yaml';
import { YamlReader, describe, isEmpty, openYaml, problemsByLine, type Field } from '../config/yaml-nodes.js';
import { ConfigError, type InputProblem } from '../errors.js';
import { type Checked, fail, suggest } from '../config/values.js';
import { checkKnownKey } from './catalogue.js';
import { type Expectation, isScalar as isScalarExpectation, parseExpectation, VALUE_FORMS } from './expectation.js';

/** Placeholder names an interface of the host config. */
export type Placeholder = 'vip' | 'realservers' | 'client';

/** PLACEHOLDERS says which config field each placeholder reads and what it means. */
export const PLACEHOLDERS: Readonly<Record<Placeholder, { readonly field: 'vip' | 'realServers' | 'client'; readonly meaning: string }>> = {
  vip: { field: 'vip', meaning: 'VIP interface' },
  realservers: { field: 'realServers', meaning: 'interface facing the real servers' },
  client: { field: 'client', meaning: 'client-facing interface' },
};

const PLACEHOLDER_NAMES = Object.keys(PLACEHOLDERS) as Placeholder[];
const TOP_KEYS = ['description', 'include', 'sysctls'];
const SETTING_KEYS = ['value', 'reason'];
const KEY_CHARS = /^[a-z0-9_.{}-]+$/;

/** PROFILE_NAME is what a profile name may look like (it is also its file name without `.yaml`). */
export const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** ProfileEntry is one sysctl of a profile, before placeholders are filled in. */
export interface ProfileEntry {
  /** The key as written, e.g. `net.ipv4.conf.{vip}.rp_filter`. */
  readonly template: string;
  /** The value form as written, e.g. `0|2`. */
  readonly value: string;
  readonly expectation: Expectation;
  readonly reason: string;
  /** The profile that declares it. */
  readonly profile: string;
  readonly file: string;
  readonly line: number;
}

/** IncludeRef is one name of an `include:` list. */
export interface IncludeRef {
  readonly name: string;
  readonly line: number;
}

/** ProfileDocument is one profile file as written: its own entries and the names it includes. */
export interface ProfileDocument {
  readonly name: string;
  readonly file: string;
  readonly description?: string;
  readonly include: readonly IncludeRef[];
  readonly sysctls: readonly ProfileEntry[];
}

/** templatePlaceholder is the placeholder a template uses, if any. */
export function templatePlaceholder(template: string): Placeholder | undefined {
  const match = /\{([a-z]+)\}/.exec(template);
  return match?.[1] !== undefined && PLACEHOLDER_NAMES.includes(match[1] as Placeholder) ? (match[1] as Placeholder) : undefined;
}

/** checkTemplate checks a key as written in a profile. */
export function checkTemplate(template: string): Checked<true> {
  if (!KEY_CHARS.test(template)) {
    return fail(`"${template}" is not a sysctl key; expected lower-case letters, digits, "_", "-", "." and {placeholders}`);
  }
  const levels = template.split('.');
  if (levels.some((level) => level === '')) return fail(`"${template}" has an empty level; keys look like net.ipv4.conf.{vip}.rp_filter`);
  for (const [index, level] of levels.entries()) {
    if (!level.includes('{') && !level.includes('}')) continue;
    const match = /^\{([a-z0-9_-]*)\}$/.exec(level);
    const name = match?.[1];
    if (name === undefined) return fail(`"${level}" in "${template}": a placeholder is a whole level such as {vip}`);
    if (!PLACEHOLDER_NAMES.includes(name as Placeholder)) {
      const hint = suggest(name, PLACEHOLDER_NAMES);
      const didYouMean = hint === undefined ? '' : ` (did you mean {${hint}}?)`;
      return fail(`unknown placeholder {${name}}${didYouMean}; placeholders: ${PLACEHOLDER_NAMES.map((p) => `{${p}}`).join(', ')}`);
    }
    const isConf = levels[0] === 'net' && (levels[1] === 'ipv4' || levels[1] === 'ipv6') && levels[2] === 'conf';
    if (!isConf || index !== 3) {
      return fail(`{${name}} in "${template}": placeholders only stand for the interface in net.ipv4.conf.<interface>.<name> or net.ipv6.conf.<interface>.<name>`);
    }
  }
  return checkKnownKey(levels);
}

/** Reader reads a profile: the shared YAML walk plus this format's mappings. */
class Reader extends YamlReader {
  /** fields returns the entries of a mapping; `allowed` (when given) limits its keys. */
  fields(node: unknown, line: number, name: string, allowed?: readonly string[]): Field[] | undefined {
    if (!isMap(node)) {
      const keys = allowed === undefined ? '' : ` with keys ${allowed.join(', ')}`;
      return this.report(this.lineOf(node, line), `${name}: expected a mapping${keys}; got ${describe(node)}`);
    }
    const fields: Field[] = [];
    for (const pair of node.items) {
      const key = this.deref(pair.key);
      const keyLine = this.lineOf(key, this.lineOf(node, line));
      const keyName = isScalar(key) && (typeof key.value === 'string' || typeof key.value === 'number') ? String(key.value) : undefined;
      if (keyName === undefined) {
        this.report(keyLine, `${name}: expected a key; got ${describe(key)}`);
        continue;
      }
      if (allowed !== undefined && !allowed.includes(keyName)) {
        const hint = suggest(keyName, allowed);
        const didYouMean = hint === undefined ? '' : ` (did you mean ${hint}?)`;
        this.report(keyLine, `unknown key "${keyName}" in ${name}${didYouMean}; allowed keys: ${allowed.join(', ')}`);
        continue;
      }
      const value = this.deref(pair.value);
      fields.push({ name: keyName, line: keyLine, value: isEmpty(value) ? undefined : value });
    }
    return fields;
  }
}


/**
 * parseProfile reads the text of one profile. `name` is the profile's name
 * (its file name without `.yaml`); `file` names it in problems.
 */
export function parseProfile(text: string, file: string, name: string): ProfileDocument {
  const { reader, root } = openYaml(text, file, (...args) => new Reader(...args));
  if (isEmpty(root)) {
    throw new ConfigError([{ file, line: 0, message: 'the profile is empty; it needs sysctls: or include:' }]);
  }
  const profile = readProfile(reader, root, name);
  if (profile === undefined || reader.problems.length > 0) throw new ConfigError(problemsByLine(reader.problems));
  return profile;
}


function readProfile(reader: Reader, root: unknown, name: string): ProfileDocument | undefined {
  const fields = reader.fields(root, 1, 'the profile', TOP_KEYS);
  if (fields === undefined) return undefined;
  const byName = new Map(fields.map((field) => [field.name, field]));
  const descriptionField = byName.get('description');
  const description =
    descriptionField?.value === undefined ? undefined : reader.text(descriptionField.value, descriptionField.line, 'description', 'one line of text');
  const include = readInclude(reader, byName.get('include'));
  const sysctlsField = byName.get('sysctls');
  const sysctls = sysctlsField?.value === undefined ? [] : readSysctls(reader, sysctlsField, name);
  if (sysctlsField?.value === undefined && include.length === 0) {
    reader.report(sysctlsField?.line ?? 1, 'the profile sets nothing; it needs sysctls: or include:');
  }
  return {
    name,
    file: reader.file,
    ...(description === undefined ? {} : { description }),
    include,
    sysctls,
  };
}

function readInclude(reader: Reader, field: Field | undefined): IncludeRef[] {
  if (field?.value === undefined) return [];
  if (!isSeq(field.value)) {
    reader.report(reader.lineOf(field.value, field.line), `include: expected a list of profile names such as [base]; got ${describe(field.value)}`);
    return [];
  }
  const refs: IncludeRef[] = [];
  for (const item of field.value.items) {
    const node = reader.deref(item);
    const line = reader.lineOf(node, field.line);
    const text = isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
    if (text === undefined || !PROFILE_NAME.test(text)) {
      reader.report(line, `include: expected a profile name (lower-case letters, digits, "-" and "_"); got ${describe(node)}`);
      continue;
    }
    refs.push({ name: text, line });
  }
  return refs;
}

function readSysctls(reader: Reader, field: Field, profile: string): ProfileEntry[] {
  const keys = reader.fields(field.value, field.line, 'sysctls');
  if (keys === undefined) return [];
  const entries: ProfileEntry[] = [];
  for (const key of keys) {
    const template = key.name;
    const templateCheck = checkTemplate(template);
    if (!templateCheck.ok) reader.report(key.line, templateCheck.problem);
    if (key.value === undefined) {
      reader.report(key.line, `${template}: expected value: and reason:`);
      continue;
    }
    const fields = reader.fields(key.value, key.line, template, SETTING_KEYS);
    if (fields === undefined) continue;
    const byName = new Map(fields.map((f) => [f.name, f]));
    const valueField = byName.get('value');
    const reasonField = byName.get('reason');
    const value = valueField?.value === undefined ? reader.report(key.line, `${template}: value is missing; expected ${VALUE_FORMS}`) : readValue(reader, valueField, template);
    const expectation = value === undefined ? undefined : readExpectation(reader, value, template, valueField?.line ?? key.line);
    let reason: string | undefined;
    if (reasonField?.value === undefined) {
      reader.report(key.line, `${template}: reason is missing; every key says in one or two sentences why it is set`);
    } else {
      reason = reader.text(reasonField.value, reasonField.line, `${template}.reason`, 'one or two sentences saying why the key is set')?.trim();
      if (reason === '') reason = reader.report(reasonField.line, `${template}.reason: expected one or two sentences; got an empty string`);
    }
    if (!templateCheck.ok || value === undefined || expectation === undefined || reason === undefined) continue;
    entries.push({ template, value, expectation, reason, profile, file: reader.file, line: key.line });
  }
  return entries;
}

/** readValue accepts a string or an integer (`value: 0`). */
function readValue(reader: Reader, field: Field, template: string): string | undefined {
  const node = field.value;
  if (isScalar(node) && typeof node.value === 'number' && Number.isInteger(node.value)) return String(node.value);
  if (isScalar(node) && typeof node.value === 'string') {
    // "1\n2" would read as the two-integer form and be written as two lines to /proc/sys.
    if (/[\r\n]/.test(node.value.trim())) return reader.report(reader.lineOf(node, field.line), `${template}.value: one line expected; got a value with a line break`);
    return node.value.trim();
  }
  return reader.report(reader.lineOf(node, field.line), `${template}.value: expected ${VALUE_FORMS}; got ${describe(node)}`);
}

function readExpectation(reader: Reader, value: string, template: string, line: number): Expectation | undefined {
  const parsed = parseExpectation(value);
  if (!parsed.ok) return reader.report(line, `${template}.value: ${parsed.problem}`);
  const isConf = /^net\.ipv[46]\.conf\./.test(template);
  if (isConf && !isScalarExpectation(parsed.value)) {
    return reader.report(line, `${template}.value: per-interface keys hold one integer; got "${value}"`);
  }
  return parsed.value;
}
