/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The link with the main table's default route (IPv4, else IPv6; the lowest metric; not
 * one of enid's own): what claim.h calls the route's primary. Shared by the daemon
 * (apply.c, at start) and the udev helper (udev_claim.c).
 */
#ifndef ENID_PRIMARY_ROUTE_H
#define ENID_PRIMARY_ROUTE_H

#include <stdint.h>

struct mnl_socket;

/* Its ifindex, or 0 when there is none (or the dump failed). *seq is the socket's
 * request counter. */
int primary_route_find(struct mnl_socket *nl, uint32_t *seq);

#endif /* ENID_PRIMARY_ROUTE_H */
