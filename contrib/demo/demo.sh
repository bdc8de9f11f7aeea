#!/usr/bin/env bash
# make demo: a two-node heartbeat-go cluster in network namespaces with a
# virtual IP in front of a web server on each node. It kills the active
# node, shows the takeover, brings the node back and shows the failback,
# then removes everything it created (also when interrupted).
set -euo pipefail
BIN=${BIN:-$(cd "$(dirname "$0")/../.." && pwd)/bin}
[ "$(id -u)" = 0 ] || { echo "make demo needs root (network namespaces, mounts)" >&2; exit 1; }
for t in ip unshare nsenter mount; do
  command -v $t >/dev/null || { echo "make demo needs $t (apt-get install iproute2 util-linux)" >&2; exit 1; }
done

ID=$$
NET=10.251.$((ID % 200 + 20))
VIP=$NET.100
TOP=$(mktemp -d /tmp/hbdemo.XXXXXX)
SW=hbdemo-sw-$ID CL=hbdemo-cl-$ID
declare -A PID

cleanup() {
  set +e
  trap - EXIT INT TERM
  disown -a
  [ -n "${WATCH:-}" ] && kill "$WATCH" 2>/dev/null
  for n in 1 2; do
    [ -n "${PID[$n]:-}" ] && kill -9 "${PID[$n]}" 2>/dev/null
    for p in $(ip netns pids hbdemo-n$n-$ID 2>/dev/null); do kill -9 "$p"; done
    ip netns del hbdemo-n$n-$ID 2>/dev/null
  done
  for p in $(ip netns pids $CL 2>/dev/null); do kill -9 "$p"; done
  ip netns del $CL 2>/dev/null; ip netns del $SW 2>/dev/null
  rm -rf "$TOP"
  echo "demo: cleaned up"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "network: switch, node1 $NET.1, node2 $NET.2, client $NET.250, VIP $VIP"
ip netns add $SW
ip -n $SW link add br0 type bridge
ip -n $SW link set br0 up
plug() { # plug NS ADDR
  local v=v$RANDOM$RANDOM p=p$RANDOM$RANDOM
  ip link add $v type veth peer name $p
  ip link set $v netns "$1"; ip link set $p netns $SW
  ip -n "$1" link set $v name eth0
  ip -n "$1" addr add "$2"/24 brd + dev eth0
  ip -n "$1" link set eth0 up; ip -n "$1" link set lo up
  ip -n $SW link set $p master br0; ip -n $SW link set $p up
}
ip netns add $CL; plug $CL $NET.250

for n in 1 2; do
  ns=hbdemo-n$n-$ID
  ip netns add $ns; plug $ns $NET.$n
  d=$TOP/node$n; mkdir -p $d/ha.d/resource.d $d/run $d/lib $d/log
  cat > $d/ha.d/ha.cf <<CF
logfile /var/log/ha-log
keepalive 500ms
deadtime 3
warntime 2
initdead 6
bcast eth0
auto_failback on
node node1 node2
CF
  echo "node1 $VIP/24/eth0" > $d/ha.d/haresources
  printf 'auth 1\n1 sha1 demo-secret\n' > $d/ha.d/authkeys; chmod 600 $d/ha.d/authkeys
  printf '#!/bin/sh\necho "masked: $0 $*" >> /var/log/masked.log\n' > $TOP/mask; chmod 755 $TOP/mask
  # The web server runs on every node all the time; the VIP decides who answers.
  ip netns exec $ns "$BIN/demo-httpd" -serve 0.0.0.0:80 -name node$n >/dev/null 2>&1 &
done

start() { # start N: the daemon in its own mount/uts/pid namespaces
  local n=$1 d=$TOP/node$1
  ip netns exec hbdemo-n$n-$ID unshare --mount --uts --pid --fork --kill-child sh -c "
    mount --make-rprivate /
    hostname node$n
    mount --bind $d/ha.d /etc/ha.d; mount --bind $d/run /run; mount --bind $d/log /var/log
    mkdir -p /var/lib/heartbeat; mount --bind $d/lib /var/lib/heartbeat
    for c in /sbin/reboot /usr/sbin/reboot /usr/bin/pkill; do [ -e \$c ] && mount --bind $TOP/mask \$c; done
    exec $BIN/heartbeat -f" >$d/out 2>&1 &
  PID[$n]=$!
}

client() { ip netns exec $CL "$BIN/demo-httpd" -get "http://$VIP/" 2>/dev/null || true; }
watch_client() {
  while :; do printf '  %s  client -> %s\n' "$(date +%T.%N | cut -c1-12)" "$(client)"; sleep 0.5; done
}
wait_for() { # wait_for WHAT SECONDS
  local end=$((SECONDS + $2))
  until [ "$(client)" = "served by $1" ]; do
    [ $SECONDS -lt $end ] || { echo "demo: $1 did not take the VIP within $2 s" >&2; for f in $TOP/node*/out $TOP/node*/log/ha-log; do echo "--- $f"; tail -n 15 $f; done >&2; exit 1; }
    sleep 0.2
  done
}
rscstatus() { # rscstatus N: cl_status in node N's namespaces
  local child; child=$(pgrep -P "${PID[$1]}" | head -1)
  printf '  node%s$ cl_status rscstatus -> %s\n' "$1" \
    "$(nsenter -t "$child" -m -n -u "$BIN/cl_status" rscstatus 2>&1 || true)"
}
logs() { # logs N PATTERN
  grep -E "$2" $TOP/node$1/log/ha-log | sed "s/^/  node$1| /" || true
}

say "starting heartbeat on node1 and node2"
start 1; start 2
wait_for node1 30
WATCH_START=$SECONDS
watch_client & WATCH=$!
# Let the peers' start-up deadtime bonus (dt = deadtime + 2 s for 5 s) pass.
sleep 5

say "killing node1 (daemon SIGKILLed, cable pulled)"
disown "${PID[1]}"; kill -9 "${PID[1]}"; ip -n hbdemo-n1-$ID link set eth0 down
T0=$SECONDS
wait_for node2 30
sleep 1
disown $WATCH; kill $WATCH; WATCH=
echo "  node2 serves the VIP $((SECONDS - T0)) s after the kill (deadtime 3 s)"
say "takeover in the logs"
logs 2 "is dead|acquired from|Acquiring resource group|Running .* start|takeover complete"
rscstatus 2

say "bringing node1 back (power cycled: its addresses are gone)"
ip -n hbdemo-n1-$ID addr del $VIP/24 dev eth0 2>/dev/null || true
ip -n hbdemo-n1-$ID link set eth0 up
watch_client & WATCH=$!
start 1
wait_for node1 30
sleep 1
disown $WATCH; kill $WATCH; WATCH=
say "failback in the logs"
logs 2 "restart on node|wants to go standby|Releasing resource group|release completed"
logs 1 "standby|Acquiring resource group|Running .* start"
rscstatus 1; rscstatus 2
say "done: the VIP is back on node1"
