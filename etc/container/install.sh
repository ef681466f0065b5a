#!/bin/sh
# install.sh DESTDIR - what the container image holds, installed under
# DESTDIR from a built tree (the Dockerfile's build stage runs it; the
# test container_image.sh runs it too, and checks the result):
#   /usr/local/bin/zramfs             the daemon
#   /usr/local/bin/zramfs-entrypoint  PID 1 (etc/container/entrypoint.sh)
#   /usr/local/bin/zramfs-attach      loop device over an image
#   /usr/local/bin/zramfs-swap        node-wide swap start|stop|status
#   /usr/local/share/man/man8/zramfs.8
set -eu
dest=${1:?usage: install.sh DESTDIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
install -d "$dest/usr/local/bin" "$dest/usr/local/share/man/man8"
install -m 755 "$top/zramfs" "$dest/usr/local/bin/zramfs"
install -m 755 "$top/etc/container/entrypoint.sh" "$dest/usr/local/bin/zramfs-entrypoint"
install -m 755 "$top/etc/container/zramfs-attach" "$dest/usr/local/bin/zramfs-attach"
install -m 755 "$top/etc/container/zramfs-swap" "$dest/usr/local/bin/zramfs-swap"
install -m 644 "$top/doc/zramfs.8" "$dest/usr/local/share/man/man8/zramfs.8"
