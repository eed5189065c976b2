/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One epoll loop: every watched fd carries its own callback; idle runs after each batch. */
#ifndef ENID_LOOP_H
#define ENID_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct watch;
typedef void (*watch_fn)(struct watch *w, uint32_t events);

struct watch {
	int fd;
	watch_fn fn;
	void *data;
};

struct loop {
	int epfd;
	int quit;
	void (*idle)(struct loop *l, void *data); /* after each batch of events */
	void *idle_data;
	bool again; /* work is left for another idle call: do not sleep before it */
};

int loop_init(struct loop *l);
void loop_fini(struct loop *l);
int loop_add(struct loop *l, struct watch *w, uint32_t events);
/* Fills w (fd first, so the caller can close it on failure) and adds it for EPOLLIN. */
int loop_watch(struct loop *l, struct watch *w, int fd, watch_fn fn, void *data);
int loop_mod(struct loop *l, struct watch *w, uint32_t events);
void loop_del(struct loop *l, struct watch *w);
/* From idle: call idle once more after the events that are ready now, without sleeping. */
void loop_again(struct loop *l);
int loop_run(struct loop *l);

#endif
