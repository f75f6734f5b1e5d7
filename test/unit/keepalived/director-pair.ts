/**
 * A keepalived.conf shared by a DR director pair, lb1 and lb2: `@lb1`/`@lb2`
 * lines pick the per-host values, `@^lb1` lines are for every host but lb1.
 * Documentation addresses only: VIPs in 192.0.2.0/24 and 2001:db8::/64,
 * real servers in 198.51.100.0/24 and 2001:db8:1::/64.
 */
export const DIRECTOR_PAIR_CONF = `! keepalived.conf of the director pair lb1/lb2
global_defs {
    @lb1 router_id lb1
    @lb2 router_id lb2
    lvs_sync_daemon eth1 inst VI_WEB id 51
    vrrp_mcast_group4 224.0.0.18
    notification_email {
        ops@example.org
    }
}

vrrp_instance VI_WEB {
    @lb1 state MASTER
    @lb2 state BACKUP
    interface eth0
    virtual_router_id 51
    @lb1 priority 150
    @lb2 priority 100
    advert_int 1
    nopreempt
    authentication {
        auth_type PASS
        auth_pass "Xy7#pq!2"     # '#' and '!' inside quotes belong to the password
    }
    @lb1 unicast_src_ip 192.0.2.2
    @lb2 unicast_src_ip 192.0.2.3
    unicast_peer {
        @^lb1 192.0.2.2
        @^lb2 192.0.2.3
    }
    track_interface {
        eth0
        eth1 weight -20
    }
    virtual_ipaddress {
        192.0.2.10/24 dev eth0 label eth0:web
        192.0.2.11/24 dev eth0
    }
    virtual_ipaddress_excluded {
        2001:db8::10/64 dev eth0 no_track
    }
}

virtual_server 192.0.2.10 80 {
    delay_loop 6
    lb_algo wlc
    lb_kind DR
    protocol TCP
    real_server 198.51.100.21 80 {
        weight 100
        inhibit_on_failure
        HTTP_GET {
            url {
                path /healthz
                status_code 200
            }
            connect_timeout 3
        }
    }
    real_server 198.51.100.22 80 {
        weight 100
        HTTP_GET {
            url {
                path /healthz
                status_code 200
            }
        }
    }
}

virtual_server 192.0.2.10 443 {
    delay_loop 6
    lvs_sched sh
    lvs_method DR
    protocol TCP
    persistence_timeout 300
    real_server 198.51.100.21 443 {
        TCP_CHECK {
            connect_port 443
            connect_timeout 3
        }
    }
    real_server 198.51.100.22 443 {
        TCP_CHECK { connect_port 443 }
    }
}

virtual_server 2001:db8::10 443 {
    lvs_sched rr
    lvs_method DR
    protocol TCP
    real_server 2001:db8:1::21 443 {
        TCP_CHECK {
            connect_port 443
        }
    }
}

virtual_server fwmark 7 {
    lvs_sched rr
    lvs_method DR
    persistence_timeout
    real_server 198.51.100.21 0 {
        MISC_CHECK {
            misc_path "/usr/local/bin/check-app --port 8443"
        }
    }
}

virtual_server_group dns {
    192.0.2.11 53
    192.0.2.12-13 53
    fwmark 9
}

virtual_server group dns {
    lvs_sched rr
    lvs_method DR
    protocol UDP
    real_server 198.51.100.31 53 {
        DNS_CHECK {
            type A
            name example.org
        }
    }
}
`;

/** lineOf finds the 1-based line of the first line of {@link DIRECTOR_PAIR_CONF} containing `text`. */
export function lineOf(text: string, conf: string = DIRECTOR_PAIR_CONF): number {
  const index = conf.split('\n').findIndex((line) => line.includes(text));
  if (index === -1) throw new Error(`fixture has no line with ${text}`);
  return index + 1;
}
