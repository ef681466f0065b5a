/*
 * sdnotify - tell systemd the daemon is ready (Type=notify), without
 * libsystemd: one datagram to $NOTIFY_SOCKET, as sd_notify(3) sends it.
 * Does nothing when the variable is unset (not started by systemd).
 */
#ifndef ZRAMFS_SDNOTIFY_H
#define ZRAMFS_SDNOTIFY_H

/* state as sd_notify's, e.g. "READY=1"; 0, or -errno */
int sd_notify_state(const char *state);

#endif
