#!/usr/bin/env bash
# Checks the systemd unit: `systemd-analyze verify` finds no error in it, and its sandbox's
# exposure on `systemd-analyze security` is at most 2.0 (0 is fully locked down, 10 unprotected;
# up to 2.0 is rated "OK"). The unit runs /usr/local/bin/flowsense; the check points a copy at
# /usr/bin/true, so it needs no installed binary.
#
#   deploy/check.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed 's#/usr/local/bin/flowsense#/usr/bin/true#' "$here/flowsense.service" >"$work/flowsense.service"
systemd-analyze verify "$work/flowsense.service"
# The threshold is in tenths: 20 is an exposure of 2.0.
systemd-analyze security --offline=true --threshold=20 "$work/flowsense.service" | tail -n 1
echo "deploy/flowsense.service: verified, exposure at most 2.0"
