/*
 * up - `zramfsctl up CONFIG` and `zramfsctl down`: apply a zramfs.json
 * to a mount and undo exactly that.
 *
 * up checks everything first (the config, then against the mount: the
 * devices free, the algorithms offered, a control file for every key,
 * the tools present), then per device writes the control files in
 * zram-generator's order (comp_algorithm, algorithm_params,
 * recomp_algorithm, backing_dev and the other pre-init settings,
 * mem_limit, disksize, then the post-init ones), attaches a loop device
 * (direct I/O, 4096-byte sectors) and makes swap or a filesystem on it.
 * Each step is recorded in a state file before the next is taken, so a
 * failure undoes what was done and `down` undoes it later, in reverse.
 * Both are idempotent: up when already up, or down when down, changes
 * nothing.
 */
#ifndef ZRAMFS_CTL_UP_H
#define ZRAMFS_CTL_UP_H

#define ZCTL_STATE_DIR "/run/zramfsctl"

/* mnt overrides the config's mount when not NULL; exit status */
int zctl_up(const char *config, const char *mnt);
/* the state of mnt (or of the config's mount); exit status */
int zctl_down(const char *config, const char *mnt);

#endif
