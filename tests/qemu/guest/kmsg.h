/* SPDX-License-Identifier: GPL-2.0 */
/* Reading the kernel log through /dev/kmsg from a point in time on. */
#ifndef ENI_GUEST_KMSG_H
#define ENI_GUEST_KMSG_H

#include <stdbool.h>

struct kmsg {
	int fd;
	char **lines;		/* message texts read so far, in order */
	int n, cap;
};

/* Opens /dev/kmsg positioned after the last record: 0 or -errno. */
int kmsg_open(struct kmsg *k);
void kmsg_close(struct kmsg *k);
/* Reads every record available now; returns the number of lines kept. */
int kmsg_drain(struct kmsg *k);
/* Waits up to timeout_ms until a line starting with prefix has been read;
 * returns its index or -ETIMEDOUT. Lines already read count too. */
int kmsg_wait_prefix(struct kmsg *k, const char *prefix, int timeout_ms);
/* Lines (already read) starting with prefix. */
int kmsg_count_prefix(const struct kmsg *k, const char *prefix);
/* Lines (already read) containing needle. */
int kmsg_count_substr(const struct kmsg *k, const char *needle);
/* First line (already read) that shows a kernel warning, oops or leak;
 * NULL if none. */
const char *kmsg_first_trouble(const struct kmsg *k);

/* Pure: the text part of one /dev/kmsg record ("6,12,345,-;text\n..."). */
bool kmsg_record_text(const char *rec, char *text, unsigned long len);

#endif
