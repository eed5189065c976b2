/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's kselftest harness, built with our warning flags: its TEST()
 * wrapper and timeout handler have unused parameters, so that warning is off
 * in the test programs (and only there).
 */
#ifndef ENI_GUEST_HARNESS_H
#define ENI_GUEST_HARNESS_H

#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

#endif
