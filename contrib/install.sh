#!/bin/sh
# install.sh DESTDIR BINDIR: install heartbeat-go where Debian's heartbeat
# package puts heartbeat 3.0.6 (used by `make install` and the .deb).
set -eu
DESTDIR=${1:?usage: install.sh DESTDIR BINDIR}
BINDIR=${2:?usage: install.sh DESTDIR BINDIR}
CONTRIB=$(dirname "$0")

install -D -m 0755 "$BINDIR/heartbeat" "$DESTDIR/usr/libexec/heartbeat/heartbeat"
install -D -m 0755 "$BINDIR/cl_status" "$DESTDIR/usr/bin/cl_status"
install -D -m 0755 "$BINDIR/hb_standby" "$DESTDIR/usr/share/heartbeat/hb_standby"
install -D -m 0755 "$BINDIR/hb_takeover" "$DESTDIR/usr/share/heartbeat/hb_takeover"
install -D -m 0755 "$CONTRIB/init.d/heartbeat" "$DESTDIR/etc/init.d/heartbeat"
install -D -m 0644 "$CONTRIB/systemd/heartbeat.service" "$DESTDIR/lib/systemd/system/heartbeat.service"
install -D -m 0644 "$CONTRIB/logrotate.d/heartbeat" "$DESTDIR/etc/logrotate.d/heartbeat"
install -D -m 0644 "$CONTRIB/default/heartbeat" "$DESTDIR/etc/default/heartbeat"
install -d -m 0755 "$DESTDIR/var/lib/heartbeat"
