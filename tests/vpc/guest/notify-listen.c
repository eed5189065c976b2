// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's stand-in for systemd's notify socket (the busybox guest has neither systemd
 * nor python): binds a datagram socket at PATH and prints every sd_notify message as
 *   NOTIFY <CLOCK_MONOTONIC s.ns> <message, newlines as spaces>
 * on stdout (the host's ttyS1). On the first message holding READY=1 it runs CMD (if
 * given) with /bin/sh -c, waits for it, prints "NOTIFY-SNAP <status>" and exits: CMD
 * reads the kernel's state at that moment (enid has already sent READY and goes on).
 * Usage: notify-listen PATH [CMD]    (unlinks PATH first; prints "NOTIFY-LISTENING" once
 *                                     bound, so the caller may start the daemon)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[4096];
	int fd;

	if (argc < 2 || argc > 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: notify-listen PATH [CMD]\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("notify-listen");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("NOTIFY-LISTENING %s\n", argv[1]);
	for (;;) {
		struct timespec ts;
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

		if (n < 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		buf[n] = '\0';
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n' || buf[i] == '\r')
				buf[i] = ' ';
		printf("NOTIFY %lld.%09ld %s\n", (long long)ts.tv_sec, ts.tv_nsec, buf);
		if (!strstr(buf, "READY=1"))
			continue;
		if (argc == 3) {
			int status = -1;
			pid_t pid = fork();

			if (pid == 0) {
				execl("/bin/sh", "sh", "-c", argv[2], (char *)NULL);
				_exit(127);
			}
			if (pid > 0)
				waitpid(pid, &status, 0);
			printf("NOTIFY-SNAP %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		}
		break;
	}
	close(fd);
	unlink(argv[1]);
	return 0;
}
