#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The fake metadata service's own tier: its self-test (TAP lines).
exec python3 "$(dirname "$0")/selftest.py" "$@"
