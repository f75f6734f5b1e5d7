#!/usr/bin/python3
"""Test program (not library): crafted packets for lbfw's attack tests.

Run inside a network namespace with Debian's python3 (python3-scapy):

  craft.py send      reads JSON lines {"iface": "eth0", "packet": "<scapy expr>", "count": N}
                     from stdin and sends each packet COUNT times on IFACE, framed
                     with Ether() (scapy resolves the destination MAC itself).
  craft.py hold HOST PORT
                     opens one TCP connection, prints its local port, and keeps it
                     open until killed (a live flow for related ICMP errors).

The packet expressions are written by the tests themselves (never read from
elsewhere), so evaluating them is how a test says "this packet" in scapy's
own words, e.g. IP(src='192.0.2.2', dst='192.0.2.1', ttl=63)/VRRP(vrid=51).
"""
import json
import socket
import sys
import time


def send():
    from scapy.all import Ether, IP, IPv6, ICMP, UDP, TCP, Raw, RandShort, sendp, conf  # noqa: F401
    from scapy.layers.inet import IPerror, TCPerror, UDPerror, ICMPerror  # noqa: F401
    from scapy.layers.inet6 import (  # noqa: F401
        ICMPv6EchoRequest, ICMPv6ND_RA, ICMPv6ND_Redirect, ICMPv6NDOptPrefixInfo, ICMPv6PacketTooBig,
        ICMPv6NDOptSrcLLAddr, IPerror6,
    )
    from scapy.layers.vrrp import VRRP, VRRPv3  # noqa: F401
    conf.verb = 0
    names = dict(locals())
    sent = 0
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        spec = json.loads(line)
        packet = eval(spec['packet'], names)  # the test's own scapy expression
        frames = [Ether() / packet for _ in range(int(spec.get('count', 1)))]
        sendp(frames, iface=spec['iface'])
        sent += len(frames)
    print(sent)


def hold(host, port):
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((host, int(port)))
    print(s.getsockname()[1], flush=True)
    while True:
        time.sleep(3600)


if __name__ == '__main__':
    if sys.argv[1] == 'send':
        send()
    elif sys.argv[1] == 'hold':
        hold(sys.argv[2], sys.argv[3])
    else:
        sys.exit('usage: craft.py send | hold HOST PORT')
