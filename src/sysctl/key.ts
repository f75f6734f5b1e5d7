/**
 * Sysctl keys and their files under /proc/sys. lbfw writes keys the way
 * sysctl(8) prints them: levels joined by dots, and a dot inside one level
 * (the VLAN interface `eth0.100`) written as `/`, so that
 * `net.ipv4.conf.eth0/100.rp_filter` is the file
 * `net/ipv4/conf/eth0.100/rp_filter`. systemd-sysctl and procps read both
 * spellings the same way (sysctl.d(5), "sysctl_normalize").
 */
import type { Family } from '../config/model.js';

/** keyToPath turns a sysctl key into its path relative to /proc/sys. */
export function keyToPath(key: string): string {
  return key
    .split('.')
    .map((level) => level.replaceAll('/', '.'))
    .join('/');
}

/** pathToKey turns a path relative to /proc/sys into the sysctl key. */
export function pathToKey(path: string): string {
  return path
    .replace(/^\/+/, '')
    .split('/')
    .map((level) => level.replaceAll('.', '/'))
    .join('.');
}

/**
 * normaliseKey reads a key the way systemd-sysctl does: when the first
 * separator is `/` the text is a path (dots belong to names), otherwise it is
 * in dotted form. The result is the dotted form.
 */
export function normaliseKey(text: string): string {
  const trimmed = text.trim().replace(/^\/+/, '');
  const slash = trimmed.indexOf('/');
  const dot = trimmed.indexOf('.');
  const isPath = slash !== -1 && (dot === -1 || slash < dot);
  return isPath ? pathToKey(trimmed) : trimmed;
}

/** Interface-level pseudo entries of net.ipvX.conf that are not interfaces. */
export const CONF_ALL = 'all';
export const CONF_DEFAULT = 'default';

/** ConfKey is a per-interface key `net.ipv4.conf.<iface>.<name>` taken apart. */
export interface ConfKey {
  readonly family: Family;
  /** The interface name as the kernel spells it (`eth0.100`), or `all` / `default`. */
  readonly iface: string;
  readonly name: string;
}

const CONF_KEY = /^net\.ipv([46])\.conf\.([^.]+)\.([^.]+)$/;

/** parseConfKey takes a per-interface key apart; undefined for any other key. */
export function parseConfKey(key: string): ConfKey | undefined {
  const match = CONF_KEY.exec(key);
  if (match === null) return undefined;
  const [, family = '', level = '', name = ''] = match;
  return { family: family === '6' ? 6 : 4, iface: level.replaceAll('/', '.'), name };
}

/** confKey builds `net.ipvX.conf.<iface>.<name>`, writing dots of the interface name as `/`. */
export function confKey(family: Family, iface: string, name: string): string {
  return `net.ipv${family}.conf.${iface.replaceAll('.', '/')}.${name}`;
}

/** confDir is the directory of one interface's keys, relative to /proc/sys. */
export function confDir(family: Family): string {
  return `net/ipv${family}/conf`;
}
