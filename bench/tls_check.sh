#!/usr/bin/env sh
# CI check: against a self-signed FlowSense HTTPS listener on 127.0.0.1,
# `openssl s_client -tls1_2` must fail and `-tls1_3` must succeed (and rustls clients agree).
# FLOWSENSE_REQUIRE_TOOLS=1 makes a missing openssl a failure instead of SKIPPED.
set -eu
cd "$(dirname "$0")/.."
FLOWSENSE_REQUIRE_TOOLS="${FLOWSENSE_REQUIRE_TOOLS:-1}" \
    cargo test -q -p flowsense-web --test tls -- --nocapture
