#!/bin/bash
# install.sh - make install into a DESTDIR and into a prefix, the systemd
# units (systemd-analyze verify clean, ordering that takes swap down
# before the daemon, no KillMode=none), the man pages (no groff warning)
# and the daemon's READY=1 to $NOTIFY_SOCKET (Type=notify).
. "$(dirname "$0")/../lib.sh"
mk() { make -C "$ROOT" --no-print-directory "$@"; }

# -- DESTDIR, default prefix -------------------------------------------------
D=$T/dest
ok "make install DESTDIR=" mk install DESTDIR="$D"
for f in usr/local/sbin/zramfs usr/local/sbin/zramfsctl \
	 usr/local/share/man/man8/zramfs.8 usr/local/share/man/man8/zramfsctl.8 \
	 usr/local/share/man/man5/zramfs.json.5 \
	 usr/local/lib/systemd/system/zramfs.service \
	 usr/local/lib/systemd/system/zramfs-up.service \
	 usr/local/share/doc/zramfs/zramfs.json.example etc/zramfs.json; do
	ok "installed $f" test -s "$D/$f"
done
ok "binaries executable" test -x "$D/usr/local/sbin/zramfs" -a -x "$D/usr/local/sbin/zramfsctl"
eq "unit runs the installed daemon" "ExecStart=/usr/local/sbin/zramfs -f /run/zramfs" \
	"$(grep ^ExecStart= "$D/usr/local/lib/systemd/system/zramfs.service")"
eq "nothing installed outside DESTDIR" "" \
	"$(cd "$D" && find . -type f | grep -v '^./usr/local/\|^./etc/zramfs.json$')"
echo '{"devices": [{"size": "1M"}]}' > "$D/etc/zramfs.json"
ok "install again keeps an edited /etc/zramfs.json" mk install DESTDIR="$D"
eq "... kept" '{"devices": [{"size": "1M"}]}' "$(cat "$D/etc/zramfs.json")"
ok "make uninstall DESTDIR=" mk uninstall DESTDIR="$D"
eq "uninstall leaves only the config" "./etc/zramfs.json" "$(cd "$D" && find . -type f)"

# -- a prefix of its own: the units name binaries that exist -----------------
P=$T/prefix
ok "make install PREFIX= SYSCONFDIR=" mk install PREFIX="$P" SYSCONFDIR="$T/etc"
U=$P/lib/systemd/system
eq "units rewritten to the prefix" \
	"ExecStart=$P/sbin/zramfsctl up $T/etc/zramfs.json" \
	"$(grep ^ExecStart= "$U/zramfs-up.service")"
ok "the example config parses" "$P/sbin/zramfsctl" -m "$T/nomount" down "$T/etc/zramfs.json"
# verify also runs man(1) on Documentation=: the pages of this prefix
out=$(MANPATH=$P/share/man: systemd-analyze verify "$U/zramfs.service" \
	"$U/zramfs-up.service" 2>&1); rc=$?
eq "systemd-analyze verify: clean" "0 " "$rc $out"
ok "no KillMode=none" sh -c "! grep -q '^KillMode=none' '$U'/*.service"
ok "zramfs-up requires the daemon" grep -qx 'Requires=zramfs.service' "$U/zramfs-up.service"
# stop order is the reverse of start order: After= the daemon means stopped
# (swapoff, umount, losetup -d) before it
ok "zramfs-up is ordered after the daemon" grep -q '^After=zramfs.service' "$U/zramfs-up.service"
ok "zramfs-up stops with zramfsctl down" grep -q "^ExecStop=$P/sbin/zramfsctl down" "$U/zramfs-up.service"
ok "the daemon is Type=notify" grep -qx 'Type=notify' "$U/zramfs.service"
ok "make uninstall PREFIX=" mk uninstall PREFIX="$P"

# -- man pages render without a warning ---------------------------------------
for m in doc/zramfsctl.8 doc/zramfs.json.5; do
	eq "$m renders cleanly" "" "$(groff -t -man -Tutf8 -ww -z "$ROOT/$m" 2>&1)"
done

# -- READY=1 on $NOTIFY_SOCKET once mounted -------------------------------------
SOCK=$T/notify
python3 - "$SOCK" > "$T/notified" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
print(s.recv(4096).decode())
PY
NPID=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$SOCK start_zramfs
wait $NPID
eq "the daemon sends READY=1 once mounted" "READY=1" "$(cat "$T/notified")"
ok "... and is mounted by then" is_mounted "$MNT"
finish
