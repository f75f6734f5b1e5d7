/**
 * The files the lab writes for its nodes, as an operator would: lbfw.yaml of
 * each real server and of the director, and the director's keepalived.conf.
 * Pure text builders; topology.ts writes them.
 */

/**
 * The lab directors' `overlimit:` limits: a client holding more than 20
 * ESTABLISHED connections is banned for 15 s: long enough that the
 * requests showing the ban happen inside it on a loaded machine (10 s was
 * not, with four labs on two busy cores), short enough to watch it expire.
 */
export const LAB_OVERLIMIT = { maxConnections: 20, banSeconds: 15 } as const;

/** LabRealServerEntry: one `real_server` line of the director's keepalived.conf. */
export interface LabRealServerEntry {
  readonly address: string;
  readonly port: number;
}

/** LabService: the lab's one virtual service. */
export interface LabService {
  readonly vip: string;
  readonly port: number;
}

/** LabDirectors: this director's and its peer's address, and this director's VRRP role. */
export interface LabDirectors {
  readonly self: string;
  readonly peer: string;
  readonly state: 'MASTER' | 'BACKUP';
  readonly priority: number;
}

/**
 * keepalivedConf is the director's keepalived.conf: a VRRP instance holding
 * the VIP on eth0, talking unicast VRRP (advert_int 1) with the other director,
 * and a DR virtual service with its real servers.
 */
export function keepalivedConf(service: LabService, directors: LabDirectors, realServers: readonly LabRealServerEntry[]): string {
  const servers = realServers.map(
    (rs) => `    real_server ${rs.address} ${rs.port} {\n        weight 1\n        TCP_CHECK {\n            connect_timeout 3\n        }\n    }\n`,
  );
  return `! keepalived.conf of the lbfw lab's director (written by lbfw lab)
vrrp_instance VI_1 {
    state ${directors.state}
    interface eth0
    virtual_router_id 51
    priority ${directors.priority}
    advert_int 1
    unicast_src_ip ${directors.self}
    unicast_peer {
        ${directors.peer}
    }
    virtual_ipaddress {
        ${service.vip}/32 dev eth0
    }
}

virtual_server ${service.vip} ${service.port} {
    delay_loop 6
    lvs_sched sh
    lvs_method DR
    protocol TCP
${servers.join('')}}
`;
}

/** directorConfig is the director's lbfw.yaml: VIPs, services and real servers come from keepalived.conf. */
export function directorConfig(keepalivedPath: string): string {
  return `# lbfw config of the lab's director (written by lbfw lab)
role: director
interfaces:
  vip: eth0
  realservers: eth0
keepalived: ${keepalivedPath}
blacklist: /dev/null
# Low, short limits so that the lab demo shows a ban and its expiry in seconds.
# The lab's one LAN stands for the internet as well as the site's network: its
# clients are on a network the director is connected to, which lbfw overlimit
# exempts by default (a real site's clients come through its gateway).
overlimit:
  max_connections: ${LAB_OVERLIMIT.maxConnections}
  ban_time: ${LAB_OVERLIMIT.banSeconds}s
  exempt_connected_networks: false
`;
}

/** realServerConfig is a real server's lbfw.yaml: the VIP service it serves, eth0 faces the clients. */
export function realServerConfig(service: LabService): string {
  return `# lbfw config of a lab real server (written by lbfw lab)
role: realserver
interfaces:
  client: eth0
services:
  - "${service.vip}:${service.port}/tcp"
blacklist: /dev/null
`;
}
