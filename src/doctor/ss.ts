/**
 * What only sock_diag knows about listening sockets: IPV6_V6ONLY. An IPv6
 * wildcard socket (`[::]:80`) serves IPv4 clients too unless the program set
 * IPV6_V6ONLY; /proc/net/tcp6 does not show the flag, `ss -e` does
 * (`v6only:1`). Pure: parses `ss -lntuHe`.
 */

/** V6onlySocket: one IPv6 socket of `ss -lntuHe` with its v6only flag. */
export interface V6onlySocket {
  readonly protocol: 'tcp' | 'udp';
  /** Local address as ss prints it without brackets (`::`, `*` for a dual-stack wildcard). */
  readonly address: string;
  readonly port: number;
  readonly v6only: boolean;
}

const LINE = /^(tcp|udp)\s+\S+\s+\d+\s+\d+\s+(\[[^\]]+\]|\*|\S+?)(?:%\S+)?:(\d+)\s.*\bv6only:([01])\b/;

/** parseSsV6only reads the sockets that carry a v6only flag (IPv6 ones) from `ss -lntuHe`. */
export function parseSsV6only(text: string): V6onlySocket[] {
  const sockets: V6onlySocket[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line.trim());
    if (m === null) continue;
    sockets.push({ protocol: m[1] as 'tcp' | 'udp', address: (m[2] ?? '').replace(/^\[|\]$/g, ''), port: Number(m[3]), v6only: m[4] === '1' });
  }
  return sockets;
}
