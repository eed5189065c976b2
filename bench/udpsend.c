// SPDX-License-Identifier: GPL-2.0
/*
 * bench/udpsend: how many unconnected UDP datagrams per second one socket can send, so
 * each send pays a route lookup (the price the policy rules put on it).
 *   udpsend DST COUNT [SRC]   -> prints datagrams per second; SRC binds the socket first
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

static int addr(const char *s, struct sockaddr_in *sa, unsigned short port)
{
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	return inet_pton(AF_INET, s, &sa->sin_addr) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = {0}, src = {0};
	struct timespec t0, t1;
	char payload[16] = {0};
	long count;
	int fd;

	if (argc < 3 || addr(argv[1], &dst, 9) || (count = atol(argv[2])) <= 0 ||
	    (argc > 3 && addr(argv[3], &src, 0))) {
		fprintf(stderr, "usage: udpsend DST COUNT [SRC] (IPv4 addresses)\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || (argc > 3 && bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)) {
		perror("udpsend: socket");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < count; i++) {
		if (sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&dst, sizeof(dst)) <
		    0) {
			perror("udpsend: sendto");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.0f\n", count / ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9));
	return 0;
}
