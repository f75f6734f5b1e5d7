#!/bin/sh
# Builds lbfw-netlink with the system C compiler against the Node-API headers
# of the node that runs the install. Never downloads anything and never
# fails: when it cannot build, it writes the reason to build/UNAVAILABLE and
# lbfw uses the `nft` program instead (and says why).
#   CC         compiler (default: cc)
#   NODE_API_INCLUDE  directory holding node_api.h (default: found from node)
set -u
cd "$(dirname "$0")"
mkdir -p build
rm -f build/UNAVAILABLE build/lbfw_netlink.node.tmp

unavailable() {
  printf '%s\n' "$1" > build/UNAVAILABLE
  rm -f build/lbfw_netlink.node
  echo "lbfw-netlink: not built ($1); lbfw will use the nft program" >&2
  exit 0
}

cc="${CC:-cc}"
command -v "$cc" >/dev/null 2>&1 || unavailable "no C compiler ($cc) at install time"

include="${NODE_API_INCLUDE:-}"
if [ -z "$include" ]; then
  node_bin="$(command -v node 2>/dev/null || true)"
  [ -n "${npm_node_execpath:-}" ] && node_bin="$npm_node_execpath"
  if [ -n "$node_bin" ]; then
    prefix="$(dirname "$(dirname "$(readlink -f "$node_bin")")")"
    [ -f "$prefix/include/node/node_api.h" ] && include="$prefix/include/node"
  fi
fi
if [ -z "$include" ] && [ -f ../node_modules/node-api-headers/include/node_api.h ]; then
  include=../node_modules/node-api-headers/include
fi
[ -n "$include" ] && [ -f "$include/node_api.h" ] || unavailable "no Node-API headers (node_api.h) found next to node"

# NAPI_VERSION 8 = Node 12.22+/14.17+: every Node lbfw supports loads the result.
if ! out="$("$cc" -O2 -fPIC -shared -std=gnu11 -Wall -Wextra -DNAPI_VERSION=8 -I"$include" \
    src/lbfw_netlink.c src/conn_scan.c src/hosts4_scan.c src/key_elements.c -pthread -o build/lbfw_netlink.node.tmp 2>&1)"; then
  printf '%s\n' "$out" >&2
  unavailable "the C compiler failed (see the install log)"
fi
mv build/lbfw_netlink.node.tmp build/lbfw_netlink.node
