// SPDX-License-Identifier: GPL-2.0
/*
 * bench/udpsend: how fast one unconnected UDP socket sends, so each send pays a route
 * lookup (the price the policy rules put on it).
 *   udpsend DST COUNT [SRC]   -> prints datagrams per second; SRC binds the socket first
 * COUNT sends go in chunks of CHUNK; the figure is the fastest chunk's rate, so a chunk
 * during which a loaded machine ran someone else does not count (the minimum time is the
 * cost of the sends themselves, the figure a ratio needs).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#define CHUNK 1000

static int addr(const char *s, struct sockaddr_in *sa, unsigned short port)
{
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	return inet_pton(AF_INET, s, &sa->sin_addr) == 1 ? 0 : -1;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = {0}, src = {0};
	char payload[16] = {0};
	double best = 0;
	long count;
	int fd;

	if (argc < 3 || addr(argv[1], &dst, 9) || (count = atol(argv[2])) < CHUNK ||
	    (argc > 3 && addr(argv[3], &src, 0))) {
		fprintf(stderr, "usage: udpsend DST COUNT [SRC] (IPv4 addresses; COUNT >= %d)\n",
			CHUNK);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || (argc > 3 && bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)) {
		perror("udpsend: socket");
		return 1;
	}
	for (long done = 0; done + CHUNK <= count; done += CHUNK) {
		double t0 = now(), dt;

		for (int i = 0; i < CHUNK; i++) {
			if (sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&dst,
				   sizeof(dst)) < 0) {
				perror("udpsend: sendto");
				return 1;
			}
		}
		dt = now() - t0;
		if (dt > 0 && CHUNK / dt > best)
			best = CHUNK / dt;
	}
	printf("%.0f\n", best);
	return 0;
}
