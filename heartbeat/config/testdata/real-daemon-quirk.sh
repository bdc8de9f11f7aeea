#!/bin/bash
# Verified with heartbeat 1:3.0.6-13+b2 on Debian 12 (see the package doc of config):
#  accepted (rc 0): CRLF ha.cf; tabs, trailing # comments, commas, no final newline; CRLF authkeys;
#    `ucast eth0 PEER1 PEER2`; a bare `keepalive`; `auth 1`+key 1 then `auth 2` without key 2.
#  refused (rc 6): key line before `auth 1` (Auth Key [1] not found); rot13 after a sha1 line (Table size: 1).
#  with no crm/pacemaker line 3.0.6 logs "info: Pacemaker support: false" after parsing authkeys.
# run.sh CASE HACF AUTHKEYS : run the real 3.0.6 in a private mount/uts/net namespace, print rc and log
NAME=$1; D=/tmp/hbq/$NAME
rm -rf $D; mkdir -p $D/log $D/lib $D/run/heartbeat $D/run/resource-agents $D/run/lock/subsys $D/run/crm
cp -a /etc/ha.d $D/ha.d; cp -a /var/lib/heartbeat/. $D/lib/ 2>/dev/null
chown hacluster:haclient $D/run/heartbeat; chmod 750 $D/run/heartbeat
printf "$2" > $D/ha.d/ha.cf; printf "$3" > $D/ha.d/authkeys; chmod 600 $D/ha.d/authkeys
echo "node1 spectest" > $D/ha.d/haresources
printf '#!/bin/sh\necho "MASKED $0 $*" >> /var/log/masked.log\nexit 0\n' > /tmp/hbq/mask.sh; chmod 755 /tmp/hbq/mask.sh
ip netns add hbq-$NAME 2>/dev/null
ip -n hbq-$NAME link add eth0 type veth peer name eth1 2>/dev/null
ip -n hbq-$NAME addr add 10.250.9.3/24 brd + dev eth0; ip -n hbq-$NAME link set eth0 up; ip -n hbq-$NAME link set eth1 up; ip -n hbq-$NAME link set lo up
ip netns exec hbq-$NAME unshare --mount --uts bash -c "
hostname node1
mount --make-rprivate /
for f in /usr/sbin/reboot /usr/bin/pkill /usr/sbin/shutdown /usr/sbin/halt; do [ -e \$f ] && mount --bind /tmp/hbq/mask.sh \$f; done
mount --bind $D/ha.d /etc/ha.d; mount --bind $D/run /run; mount --bind $D/lib /var/lib/heartbeat; mount --bind $D/log /var/log
timeout 20 /usr/libexec/heartbeat/heartbeat > $D/stdout 2> $D/stderr; echo rc=\$?
sleep 1
timeout 30 /usr/libexec/heartbeat/heartbeat -k >/dev/null 2>&1
"
echo "### $NAME"; grep -a -v 'Core dumps\|core_pattern\|core_uses_pid' $D/stderr | sed 's/^.*heartbeat: \[[0-9]*\]: //'
ip netns del hbq-$NAME
