#!/bin/sh
# Makes a fresh Debian 12 checkout ready to build, test and demo lbfw:
# the system tools lbfw drives (nft, ip, arping), the C compiler that builds
# lbfw's netlink binding (native/), and the locked npm packages.
# Idempotent and quiet when everything is already there.
set -eu
cd "$(dirname "$0")/.."

# keepalived (VRRP between the lab's directors; its Debian service stays inactive without
# /etc/keepalived/keepalived.conf) and iptables (the doctor reads iptables-nft and legacy rules).
tools="nft:nftables ip:iproute2 arping:iputils-arping ping:iputils-ping sysctl:procps python3:python3 keepalived:keepalived iptables-legacy-save:iptables cc:gcc"
# `prepare.sh bench` also wants the baseline tools the benchmark compares against.
if [ "${1:-}" = bench ]; then tools="$tools ipset:ipset /usr/bin/time:time mawk:mawk"; fi
need_apt=""
for tool in $tools; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need_apt="$need_apt ${tool#*:}"
done
# The binding includes <linux/netlink.h> and libc headers.
[ -f /usr/include/linux/netlink.h ] && [ -f /usr/include/stdio.h ] || need_apt="$need_apt libc6-dev"
if [ -n "$need_apt" ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "lbfw: missing system packages:$need_apt (install them as root with apt-get)" >&2
    exit 1
  fi
  echo "lbfw: installing$need_apt" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need_apt >/dev/null
fi

# npm ci writes node_modules/.package-lock.json; a missing or older copy means
# the tree does not match the committed lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi

# npm ci builds the binding (the root package's install script); build it
# again when its source changed since, or when it was never built.
if [ ! -f native/build/lbfw_netlink.node ] || [ -n "$(find native/src -newer native/build/lbfw_netlink.node)" ]; then
  sh native/build.sh
fi
