/**
 * The systemd units lbfw ships, as data rendered for one installed lbfw
 * (the node binary and the launcher that `lbfw install-units` runs from).
 *
 * Boot happens in two phases, both idempotent `lbfw apply` runs:
 * - `lbfw-firewall.service` loads the firewall before any interface is
 *   configured (`Before=network-pre.target`, `DefaultDependencies=no`, as
 *   Debian's nftables.service does), so the host is never unfiltered while
 *   the network comes up;
 * - `lbfw.service` applies everything (kernel settings, VIPs on lo, and the
 *   firewall again) once the network is online, before keepalived starts:
 *   per-interface sysctls and VIPs need the interfaces to exist.
 */

/** UnitTarget: the installed lbfw that the units run. */
export interface UnitTarget {
  /** Absolute path of the node binary (process.execPath). */
  readonly node: string;
  /** Absolute path of lbfw's bin/lbfw launcher. */
  readonly launcher: string;
  /** `--config FILE` for every run; lbfw's defaults when absent. */
  readonly config?: string;
}

/** UnitFile: one unit's name, text, and the target that enabling it hooks it into. */
export interface UnitFile {
  readonly name: string;
  readonly text: string;
  /** The `[Install]` targets: what `systemctl enable` links it into. */
  readonly wantedBy: readonly string[];
}

/** The units lbfw ships, by name. */
export const UNIT_NAMES = ['lbfw-firewall.service', 'lbfw.service'] as const;

/**
 * quoteExecArg quotes one word of an Exec line (systemd.service(5), "Command
 * lines"): `%` starts a specifier and `$` a variable, so both are doubled;
 * words with blanks, quotes or backslashes are double-quoted.
 */
export function quoteExecArg(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (!/[\s"'\\]/.test(escaped) && escaped !== '') return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function execLine(target: UnitTarget, args: readonly string[]): string {
  const config = target.config === undefined ? [] : ['--config', target.config];
  return [target.node, target.launcher, ...args, ...config].map(quoteExecArg).join(' ');
}

/** renderUnits returns the text of every unit lbfw ships, for `target`. */
export function renderUnits(target: UnitTarget): UnitFile[] {
  const firewall = execLine(target, ['apply', '--only', 'firewall']);
  const full = execLine(target, ['apply']);
  return [
    {
      name: 'lbfw-firewall.service',
      wantedBy: ['sysinit.target'],
      text: [
        '# Written by `lbfw install-units`. Boot phase 1 of 2: the firewall only,',
        '# before any interface is configured, so the host is never unfiltered',
        '# while the network comes up (the same place as nftables.service).',
        '# Interface sysctls and VIPs need the interfaces: lbfw.service sets them.',
        '[Unit]',
        'Description=lbfw: firewall before the network comes up',
        'Documentation=man:lbfw(1)',
        'DefaultDependencies=no',
        'Wants=network-pre.target',
        'Before=network-pre.target shutdown.target',
        // /var/lib/lbfw (lock, backups) and /etc/lbfw must be mounted.
        'After=local-fs.target',
        'Conflicts=shutdown.target',
        '',
        '[Service]',
        'Type=oneshot',
        'RemainAfterExit=yes',
        'StandardInput=null',
        `ExecStart=${firewall}`,
        '',
        '[Install]',
        'WantedBy=sysinit.target',
        '',
      ].join('\n'),
    },
    {
      name: 'lbfw.service',
      wantedBy: ['multi-user.target', 'keepalived.service'],
      text: [
        '# Written by `lbfw install-units`. Boot phase 2 of 2: kernel settings',
        '# (per-interface keys need the interfaces), VIPs on lo and the firewall,',
        '# once the network is online and before keepalived takes over the VIPs.',
        '# `systemctl reload lbfw` re-applies after a config change.',
        '[Unit]',
        'Description=lbfw: kernel settings, VIPs and firewall before keepalived',
        'Documentation=man:lbfw(1)',
        'Wants=network-online.target',
        'After=network-online.target lbfw-firewall.service',
        'Before=keepalived.service',
        '',
        '[Service]',
        'Type=oneshot',
        'RemainAfterExit=yes',
        'StandardInput=null',
        `ExecStart=${full}`,
        `ExecReload=${full}`,
        '',
        '[Install]',
        'WantedBy=multi-user.target keepalived.service',
        '',
      ].join('\n'),
    },
  ];
}
