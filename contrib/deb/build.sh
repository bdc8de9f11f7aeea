#!/bin/sh
# build.sh BINDIR VERSION [OUTDIR]: build heartbeat-go_VERSION_ARCH.deb with
# dpkg-deb. The package replaces Debian's heartbeat (Replaces, Conflicts,
# Provides): installing it removes heartbeat 3.0.6 but keeps /etc/ha.d,
# whose files are configuration (conffiles) or the administrator's own.
set -eu
BINDIR=${1:?usage: build.sh BINDIR VERSION [OUTDIR]}
VERSION=${2:?usage: build.sh BINDIR VERSION [OUTDIR]}
OUTDIR=${3:-$BINDIR}
CONTRIB=$(cd "$(dirname "$0")/.." && pwd)

case "$VERSION" in
[0-9]*) ;;
*) VERSION="0.0~git$(echo "$VERSION" | tr -c 'A-Za-z0-9.+~\n' '.')" ;;
esac
ARCH=$(dpkg --print-architecture)
STAGE=$(mktemp -d)
chmod 0755 "$STAGE"
trap 'rm -rf "$STAGE"' EXIT

"$CONTRIB/install.sh" "$STAGE" "$BINDIR"
mkdir -p "$STAGE/DEBIAN"
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: heartbeat-go
Version: $VERSION
Architecture: $ARCH
Maintainer: heartbeat-go developers <heartbeat-go@localhost>
Section: admin
Priority: optional
Depends: resource-agents, iproute2
Provides: heartbeat
Conflicts: heartbeat
Replaces: heartbeat
Installed-Size: $(du -sk "$STAGE" | cut -f1)
Description: drop-in replacement for heartbeat 3.0.6 (haresources mode)
 heartbeat-go runs two-node clusters configured by /etc/ha.d (ha.cf,
 authkeys, haresources) exactly as heartbeat 3.0.6 in v1 mode does, and
 talks to heartbeat 3.0.6 peers on the wire. It ships the daemon, the
 init script, a systemd unit, cl_status, hb_standby and hb_takeover.
CONTROL
cat > "$STAGE/DEBIAN/conffiles" <<CONFFILES
/etc/init.d/heartbeat
/etc/logrotate.d/heartbeat
/etc/default/heartbeat
CONFFILES
cat > "$STAGE/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload >/dev/null 2>&1 || true
	fi
	if command -v update-rc.d >/dev/null 2>&1; then
		update-rc.d heartbeat defaults >/dev/null || true
	fi
fi
POSTINST
chmod 0755 "$STAGE/DEBIAN/postinst"
mkdir -p "$OUTDIR"
dpkg-deb --root-owner-group --build "$STAGE" "$OUTDIR/heartbeat-go_${VERSION}_${ARCH}.deb"
