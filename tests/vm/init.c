/* tests/vm/init.c - PID 1 of the test VMs (tests/vm/vm-run).
 *
 * Static, so that the initramfs needs nothing else. Mounts /proc, /sys,
 * /dev, /dev/shm and /tmp, then runs the jobs of /jobs, one a line:
 *
 *   ID UID TIMEOUT [EXPECT=FILE] [VAR=VALUE...] PROGRAM [ARG...]
 *
 * as UID (0, or an unprivileged uid: setgroups, setgid and setuid to it
 * before exec), with stdout and stderr captured, and reports on the
 * console (stdout), every line prefixed so that kernel messages can't be
 * taken for results:
 *
 *   @@VM booted release=R machine=M pagesize=N
 *   @@J ID out LINE        the program's stdout   } all of it without EXPECT;
 *   @@J ID err LINE        the program's stderr   } with EXPECT, only when the
 *                                                 } output differs or rc != 0
 *   @@J ID end rc=N same|differs|-
 *   @@VM done
 *
 * EXPECT=FILE compares stdout with FILE (the native output of this
 * machine's host, Linux 6.18) here, so that the console carries only the
 * outputs that differ. rc is the exit status, or 128+N for signal N (a
 * job killed at TIMEOUT seconds shows 142, SIGALRM).
 *
 * /hugepages, if present, holds a number written to
 * /proc/sys/vm/nr_hugepages first (the host's scenarios saw huge pages).
 * Then the VM is rebooted, which QEMU's -no-reboot turns into an exit.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXARGS 64

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void mnt(const char *src, const char *dir, const char *type, const char *opts)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, opts) && errno != EBUSY)
		say("@@VM mount %s on %s: %s\n", type, dir, strerror(errno));
}

/* Prints FILE's lines as "@@J ID WHAT LINE". */
static void relay(const char *id, const char *what, const char *file)
{
	FILE *f = fopen(file, "r");
	char line[4096];
	size_t n;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		n = strlen(line);
		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		say("@@J %s %s %s\n", id, what, line);
	}
	fclose(f);
}

static int same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
	int ca, cb, same = fa && fb;

	while (same) {
		ca = getc(fa);
		cb = getc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static void run_job(char *line)
{
	char *tok[MAXARGS + 1], *envp[MAXARGS + 8], *expect = NULL;
	char out[256], err[256];
	int n = 0, ne = 0, first, status = 0, rc, fo, fe;
	unsigned uid, tmo;
	pid_t pid, w;

	for (char *s = strtok(line, " \t\n"); s && n < MAXARGS; s = strtok(NULL, " \t\n"))
		tok[n++] = s;
	if (n < 4 || tok[0][0] == '#')
		return;
	uid = (unsigned)strtoul(tok[1], NULL, 10);
	tmo = (unsigned)strtoul(tok[2], NULL, 10);
	envp[ne++] = "PATH=/bin";
	envp[ne++] = "HOME=/tmp";
	envp[ne++] = "TMPDIR=/tmp";
	for (first = 3; first < n && strchr(tok[first], '='); first++) {
		if (!strncmp(tok[first], "EXPECT=", 7))
			expect = tok[first] + 7;
		else
			envp[ne++] = tok[first];
	}
	envp[ne] = NULL;
	tok[n] = NULL;
	if (first == n)
		return;
	snprintf(out, sizeof(out), "/run/%s.out", tok[0]);
	snprintf(err, sizeof(err), "/run/%s.err", tok[0]);
	fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pid = fork();
	if (pid == 0) {
		dup2(open("/dev/null", O_RDONLY), 0);
		dup2(fo, 1);
		dup2(fe, 2);
		if (chdir("/tmp"))
			_exit(126);
		if (uid && (setgroups(0, NULL) || setgid(uid) || setuid(uid))) {
			dprintf(2, "init: cannot become uid %u: %s\n", uid, strerror(errno));
			_exit(126);
		}
		alarm(tmo);
		execve(tok[first], tok + first, envp);
		dprintf(2, "init: exec %s: %s\n", tok[first], strerror(errno));
		_exit(127);
	}
	close(fo);
	close(fe);
	if (pid < 0) {
		say("@@J %s end rc=125 fork: %s\n", tok[0], strerror(errno));
		return;
	}
	/* PID 1 reaps every orphan too. */
	while ((w = wait(&status)) != pid)
		if (w < 0 && errno != EINTR)
			break;
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (expect && rc == 0 && same_file(out, expect)) {
		say("@@J %s end rc=0 same\n", tok[0]);
	} else {
		relay(tok[0], "out", out);
		relay(tok[0], "err", err);
		say("@@J %s end rc=%d %s\n", tok[0], rc, expect ? "differs" : "-");
	}
	unlink(out);
	unlink(err);
}

int main(void)
{
	struct utsname u;
	char line[4096];
	FILE *f;

	mnt("proc", "/proc", "proc", NULL);
	mnt("sysfs", "/sys", "sysfs", NULL);
	mnt("devtmpfs", "/dev", "devtmpfs", NULL);
	mnt("shm", "/dev/shm", "tmpfs", "mode=1777");
	mnt("tmp", "/tmp", "tmpfs", "mode=1777");
	mnt("run", "/run", "tmpfs", "mode=755");
	setvbuf(stdout, NULL, _IOLBF, 0);
	f = fopen("/hugepages", "r");
	if (f) {
		if (fgets(line, sizeof(line), f)) {
			int h = open("/proc/sys/vm/nr_hugepages", O_WRONLY);
			if (h >= 0) {
				if (write(h, line, strlen(line)) < 0)
					say("@@VM nr_hugepages: %s\n", strerror(errno));
				close(h);
			}
		}
		fclose(f);
	}
	uname(&u);
	say("\n@@VM booted release=%s machine=%s pagesize=%ld\n", u.release, u.machine,
	    sysconf(_SC_PAGESIZE));
	f = fopen("/jobs", "r");
	if (!f) {
		say("@@VM no /jobs: %s\n", strerror(errno));
	} else {
		while (fgets(line, sizeof(line), f))
			run_job(line);
		fclose(f);
	}
	say("@@VM done\n");
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}
