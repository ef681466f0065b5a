/*
 * zramfs - the process: options, signals, the session's lifecycle.
 *
 * Everything served under the mount is fuse/ (the tree and the
 * operations), which forwards to control/ and device/.  What lives here
 * is what a daemon needs around that: parsing -o options into the
 * device defaults and the FUSE configuration (every bad option and the
 * mountpoint reported at once), checking the mountpoint (util/mnt.h),
 * hardening the process to be a swap device, refusing to exit while an
 * image is open, and an ordered shutdown:
 *
 *   loop ends (signal or external unmount)
 *     -> signal thread stopped and joined
 *     -> unmount, session destroyed -> devices freed
 */
#define FUSE_USE_VERSION 314

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "control/attrs.h"
#include "control/parse.h"
#include "device/registry.h"
#include "device/zdev.h"
#include "fuse/zfs.h"
#include "util/harden.h"
#include "util/mnt.h"
#include "util/sdnotify.h"
#include "util/zlog.h"

#define DEF_THREADS	 16
#define RELEASE_GRACE_MS 1000 /* see signal_thread */

/* -- options --------------------------------------------------------------- */

/* every -o of ours as text: each is checked and all errors reported */
struct zopts {
	char *num_devices;
	char *threads;
	char *mem_cap;
	char *reserve;
	char *max_io;
	char *log;
	char *pidfile;
	int no_mlock;
	char *mountpoint; /* the first non-option argument */
	int bad;	  /* errors found while parsing */
};

/* clang-format off */
#define ZOPT(t, p) { t, offsetof(struct zopts, p), 0 }
static const struct fuse_opt zopt_spec[] = {
	ZOPT("num_devices=%s", num_devices),
	ZOPT("threads=%s", threads),
	ZOPT("mem_cap=%s", mem_cap),
	ZOPT("reserve=%s", reserve),
	ZOPT("max_io=%s", max_io),
	ZOPT("log=%s", log),
	ZOPT("pidfile=%s", pidfile),
	ZOPT("no_mlock", no_mlock),
	FUSE_OPT_END
};
/* clang-format on */

/* the mountpoint is ours to check: libfuse's realpath() would fail first */
static int zopt_proc(void *data, const char *arg, int key,
		     struct fuse_args *outargs)
{
	struct zopts *zo = data;

	if (key != FUSE_OPT_KEY_NONOPT)
		return 1;
	if (zo->mountpoint) {
		fprintf(stderr, "zramfs: unexpected argument %s\n", arg);
		zo->bad++;
		return 0;
	}
	zo->mountpoint = strdup(arg);
	if (!zo->mountpoint)
		return -1;
	return 0;
}

static void usage(const char *prog)
{
	printf("usage: %s [-f] [-d] [-o num_devices=N,threads=N,<fuse options>] MOUNTPOINT\n\n"
	       "Compressed RAM block-device images with kernel zram's control files.\n"
	       "  -f                 stay in the foreground\n"
	       "  -d                 debug log (implies -f): libfuse's requests and\n"
	       "                     every refused control-file write, with its reason\n"
	       "  -o num_devices=N   devices created at start (default 1)\n"
	       "  -o threads=N       worker threads serving I/O (default %d)\n"
	       "  -o mem_cap=SIZE    default mem_limit of every device (default: below\n"
	       "                     the daemon's memory cgroup limit, else none)\n"
	       "  -o reserve=SIZE    memory kept faulted in ahead of writes, per\n"
	       "                     device (default 4M; 0: fault in as written); at\n"
	       "                     most mem_cap, and the cgroup limit or RAM\n"
	       "  -o max_io=SIZE     largest read/write request, 4K..1M (default\n"
	       "                     512K; 1M suits synchronous readers of the image)\n"
	       "  -o log=PATH        log to PATH (appended) instead of stderr/syslog\n"
	       "  -o pidfile=PATH    write the daemon's pid to PATH while it runs\n"
	       "  -o no_mlock        do not lock the daemon's memory (not for swap)\n"
	       "  -o allow_other     let other users in (mode bits still apply:\n"
	       "                     statistics are world-readable, the rest root's)\n"
	       "  -h, --help         this text\n"
	       "  -V, --version      version\n",
	       prog, DEF_THREADS);
}

/*
 * -o NAME=SIZE: *bytes keeps its default when the option is absent; a
 * value that does not parse, or lies outside min..max or off a multiple
 * of `align`, is refused with one line naming it (and `hint`).
 */
static int size_opt(const char *name, const char *opt, uint64_t min,
		    uint64_t max, uint64_t align, const char *hint,
		    uint64_t *bytes)
{
	uint64_t v;

	if (!opt)
		return 0;
	if (zparse_size(opt, strlen(opt), &v) || v < min || v > max ||
	    v % align) {
		fprintf(stderr, "zramfs: bad option %s=%s%s\n", name, opt,
			hint);
		return -1;
	}
	*bytes = v;
	return 0;
}

/* -o NAME=N, min..max: the same as size_opt for an int */
static int int_opt(const char *name, const char *opt, int min, int max,
		   int *out)
{
	int v;

	if (!opt)
		return 0;
	if (zparse_int(opt, strlen(opt), &v) || v < min || v > max) {
		fprintf(stderr, "zramfs: bad option %s=%s (%d..%d)\n", name,
			opt, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * The default mem_limit: -o mem_cap, else the memory cgroup's limit less
 * headroom for the daemon's own buffers (harden_default_mem_cap).
 */
static int set_mem_cap(const char *opt, uint64_t *capp)
{
	uint64_t limit, cap = 0;

	if (size_opt("mem_cap", opt, 0, UINT64_MAX, 1, "", &cap))
		return -1;
	if (!opt && (limit = harden_cgroup_limit())) {
		cap = harden_default_mem_cap(limit);
		zlog(LOG_INFO,
		     "memory cgroup limit %llu MiB: devices default "
		     "to mem_limit %llu MiB",
		     (unsigned long long)limit >> 20,
		     (unsigned long long)cap >> 20);
	}
	zdev_set_default_mem_limit(cap);
	*capp = cap;
	return 0;
}

/*
 * Memory reserved ahead is faulted in and locked: more than the cgroup
 * or the machine can give would have the OOM killer end the daemon and
 * everything stored with it (harden_reserve_max).  A -o reserve past the
 * bound is refused; the default is lowered to it.
 */
static int set_reserve(const char *opt, int ndev, uint64_t cap)
{
	uint64_t bytes = ZDEV_DEFAULT_RESERVE, max;
	const char *what;

	if (size_opt("reserve", opt, 0, UINT64_MAX, 1, "", &bytes))
		return -1;
	max = harden_reserve_max(ndev, cap, harden_cgroup_limit(), harden_ram(),
				 &what);
	if (!opt && bytes > max) {
		/* the default fits itself to many devices in little memory */
		bytes = max / ZPAGE_SIZE * ZPAGE_SIZE;
		zlog(LOG_INFO, "reserve lowered to %lluK per device (%s)",
		     (unsigned long long)bytes >> 10, what);
	}
	if (bytes > max) {
		fprintf(stderr,
			"zramfs: bad option reserve=%s: more than "
			"can be kept faulted in; at most %lluM per device "
			"with %d device(s) (%s)\n",
			opt ? opt : "(default)", (unsigned long long)max >> 20,
			ndev > 1 ? ndev : 1, what);
		return -1;
	}
	zdev_set_reserve(bytes);
	return 0;
}

static int set_max_io(const char *opt, struct zfs_config *cfg)
{
	uint64_t bytes = ZFS_DEF_MAX_IO;

	if (size_opt("max_io", opt, 4096, ZFS_MAX_MAX_IO, 4096,
		     " (4K..1M, a multiple of 4K)", &bytes))
		return -1;
	cfg->max_io = bytes;
	return 0;
}

static int set_log(const char *opt)
{
	int ret;

	if (!opt)
		return 0;
	ret = zlog_open_file(opt);
	if (ret) {
		fprintf(stderr, "zramfs: bad option log=%s: %s\n", opt,
			strerror(-ret));
		return -1;
	}
	return 0;
}

/*
 * -o pidfile: opened now (a relative path is the caller's), written once
 * the daemon has its final pid, removed at exit if it still holds it.
 */
static char pid_path[PATH_MAX];
static int pid_fd = -1;

static int open_pidfile(const char *opt)
{
	char cwd[PATH_MAX];

	if (!opt)
		return 0;
	if (opt[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		goto out_err;
	if (snprintf(pid_path, sizeof(pid_path), "%s%s%s",
		     opt[0] == '/' ? "" : cwd, opt[0] == '/' ? "" : "/",
		     opt) >= (int)sizeof(pid_path)) {
		errno = ENAMETOOLONG;
		goto out_err;
	}
	pid_fd = open(pid_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (pid_fd < 0)
		goto out_err;
	return 0;
out_err:
	fprintf(stderr, "zramfs: bad option pidfile=%s: %s\n", opt,
		strerror(errno));
	pid_path[0] = '\0';
	return -1;
}

static void write_pidfile(void)
{
	char buf[32];
	int n;

	if (pid_fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(pid_fd, 0) || pwrite(pid_fd, buf, n, 0) != n)
		zlog(LOG_WARNING, "cannot write pidfile %s: %s", pid_path,
		     strerror(errno));
}

static void remove_pidfile(void)
{
	char buf[32];
	ssize_t n;

	if (pid_fd < 0)
		return;
	n = pread(pid_fd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		if (atoi(buf) == (int)getpid())
			unlink(pid_path);
	}
	close(pid_fd);
	pid_fd = -1;
}

/*
 * The mount's st_dev, for the device layer to refuse paths onto it
 * (zdev_set_own_dev).  Read from the mount table: a stat of the mount
 * would be a request to this daemon, which is not serving yet.
 */
static void set_own_dev(const char *mnt)
{
	struct zmnt *m = malloc(sizeof(*m));

	if (m && zmnt_at(NULL, mnt, m) == 1 && zmnt_is_zramfs(m))
		zdev_set_own_dev(makedev(m->major, m->minor));
	else
		zlog(LOG_WARNING,
		     "%s not found in the mount table: paths "
		     "into the mount are not refused",
		     mnt);
	free(m);
}

/* -- signals --------------------------------------------------------------- */

/*
 * SIGTERM/SIGINT/SIGHUP are taken by a thread of their own (sigwait):
 * while any image is open (a loop device, swap or filesystem on it) the
 * daemon refuses to exit, logs the busy devices and keeps serving;
 * otherwise it ends the loop, which unmounts and frees everything.
 *
 * The thread is joined before the session is destroyed, however the loop
 * ended: main sets `stopping` and sends the thread SIGTERM, and the
 * thread returns without touching the session.  A signal arriving after
 * that stays pending (blocked in every thread) until the process exits.
 */
static struct fuse_session *session; /* read by the signal thread */
static pthread_t main_thread, sig_thread;
static sigset_t exit_signals;
static atomic_bool stopping;

static void wake_main(int sig)
{
	/* only interrupts the main loop's sem_wait */
}

/* ids of the open images into ids[], after RELEASE_GRACE_MS at most */
static int wait_idle(int *ids)
{
	int n = 0, i;

	/*
	 * The kernel sends RELEASE in the background: right after
	 * `losetup -d` or umount the image may still count as open for a
	 * moment.  Give releases in flight a second.
	 */
	for (i = 0; i < RELEASE_GRACE_MS / 20 && !stopping; i++) {
		n = zreg_busy(ids, ZREG_MAX_DEVICES);
		if (n == 0)
			break;
		usleep(20 * 1000);
	}
	return n;
}

static void *signal_thread(void *arg)
{
	int ids[ZREG_MAX_DEVICES], n, i, sig;
	char msg[256];
	size_t len;

	for (;;) {
		if (sigwait(&exit_signals, &sig))
			continue;
		if (stopping)
			return NULL;
		n = wait_idle(ids);
		if (stopping)
			return NULL;
		if (n == 0)
			break;
		len = 0;
		msg[0] = '\0';
		for (i = 0; i < n && len < sizeof(msg) - 16; i++)
			len += snprintf(msg + len, sizeof(msg) - len, " zram%d",
					ids[i]);
		zlog(LOG_WARNING,
		     "%s: not exiting: image open on%s (detach "
		     "it first)",
		     strsignal(sig), msg);
	}
	zlog(LOG_INFO, "%s: exiting", strsignal(sig));
	fuse_session_exit(session);
	pthread_kill(main_thread, SIGUSR1);
	return NULL;
}

static int start_signal_thread(void)
{
	struct sigaction sa;
	int ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wake_main; /* no SA_RESTART: sem_wait returns */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		return -errno;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL))
		return -errno;
	sigemptyset(&exit_signals);
	sigaddset(&exit_signals, SIGTERM);
	sigaddset(&exit_signals, SIGINT);
	sigaddset(&exit_signals, SIGHUP);
	/* blocked here, so in every thread created later */
	ret = pthread_sigmask(SIG_BLOCK, &exit_signals, NULL);
	if (ret)
		return -ret;
	main_thread = pthread_self();
	ret = pthread_create(&sig_thread, NULL, signal_thread, NULL);
	return -ret;
}

/* after it, nothing but main touches the session */
static void stop_signal_thread(void)
{
	stopping = true;
	/* the thread may have returned already: then this is a no-op */
	pthread_kill(sig_thread, SIGTERM);
	pthread_join(sig_thread, NULL);
}

/* -- main ------------------------------------------------------------------ */

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct zopts zo = { 0 };
	struct fuse_cmdline_opts opts = { 0 };
	struct zfs_config zc = { .max_io = ZFS_DEF_MAX_IO };
	struct fuse_loop_config *cfg;
	int num_devices = 1, threads = DEF_THREADS;
	char mnt[PATH_MAX];
	int i, err, bad, ret = 1;
	uint64_t cap = 0;

	if (fuse_opt_parse(&args, &zo, zopt_spec, zopt_proc) == -1)
		return 1;
	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	if (opts.show_help) {
		usage(argv[0]);
		ret = 0;
		goto out_args;
	}
	if (opts.show_version) {
		printf("zramfs 0.1 (libfuse %s)\n", fuse_pkgversion());
		ret = 0;
		goto out_args;
	}
	/* every problem with the command line is reported, not the first */
	bad = zo.bad;
	bad += set_log(zo.log) ? 1 : 0;
	zlog_init(opts.debug, !opts.foreground);
	bad += int_opt("num_devices", zo.num_devices, 0, ZREG_MAX_DEVICES,
		       &num_devices) ?
		       1 :
		       0;
	bad += int_opt("threads", zo.threads, 1, ZDEV_MAX_IO_THREADS,
		       &threads) ?
		       1 :
		       0;
	if (set_mem_cap(zo.mem_cap, &cap))
		bad++;
	else if (set_reserve(zo.reserve, num_devices, cap))
		bad++;
	bad += set_max_io(zo.max_io, &zc) ? 1 : 0;
	bad += open_pidfile(zo.pidfile) ? 1 : 0;
	/* permissions by mode bits, as sysfs; fsname shows in mount(8) */
	fuse_opt_add_arg(&args, "-odefault_permissions");
	fuse_opt_add_arg(&args, "-ofsname=zramfs");
	/* libfuse reports options it does not know */
	session = fuse_session_new(&args, &zfs_ops, sizeof(zfs_ops), NULL);
	if (!session)
		bad++;
	if (!zo.mountpoint) {
		fprintf(stderr, "zramfs: no mountpoint given (see --help)\n");
		bad++;
	} else if (zmnt_prepare(zo.mountpoint, mnt, !bad)) {
		/* with other errors a dead mount is left: nothing starts */
		bad++;
	}
	if (bad)
		goto out_session;
	err = zfs_setup(&zc);
	if (err) {
		fprintf(stderr, "zramfs: cannot set up: %s\n", strerror(-err));
		goto out_session;
	}
	zattr_set_workers(threads);
	for (i = 0; i < num_devices; i++) {
		if (zreg_add() < 0) {
			fprintf(stderr, "zramfs: cannot create device %d\n", i);
			goto out_devs;
		}
	}
	if (fuse_session_mount(session, mnt) != 0)
		goto out_devs;
	set_own_dev(mnt);
	if (!opts.foreground)
		zlog_detach();
	if (fuse_daemonize(opts.foreground) != 0)
		goto out_unmount;
	write_pidfile();
	/* after daemonizing: threads and locks do not survive fork */
	err = start_signal_thread();
	if (err) {
		zlog(LOG_ERR, "cannot set up signal handling: %s",
		     strerror(-err));
		goto out_unmount;
	}
	if (!zo.no_mlock)
		harden_process();
	zlog(LOG_INFO, "mounted at %s with %d device(s), %d worker threads",
	     mnt, num_devices, threads);
	/* systemd Type=notify: requests queue until the loop serves them */
	sd_notify_state("READY=1");
	cfg = fuse_loop_cfg_create();
	if (!cfg) {
		zlog(LOG_ERR, "cannot create the loop configuration");
		goto out_stop;
	}
	fuse_loop_cfg_set_clone_fd(cfg, opts.clone_fd);
	fuse_loop_cfg_set_max_threads(cfg, threads);
	fuse_loop_cfg_set_idle_threads(cfg, threads);
	ret = fuse_session_loop_mt(session, cfg) ? 1 : 0;
	fuse_loop_cfg_destroy(cfg);
	zfs_drop_handles();
out_stop:
	stop_signal_thread();
out_unmount:
	fuse_session_unmount(session);
out_devs:
	zreg_clear();
out_session:
	if (session)
		fuse_session_destroy(session);
	session = NULL;
out_args:
	remove_pidfile();
	free(zo.num_devices);
	free(zo.threads);
	free(zo.mem_cap);
	free(zo.reserve);
	free(zo.max_io);
	free(zo.log);
	free(zo.pidfile);
	free(zo.mountpoint);
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
