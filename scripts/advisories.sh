#!/usr/bin/env bash
# Known vulnerabilities in the dependency tree: `cargo deny check advisories` against the RustSec
# advisory database, which it fetches from GitHub. CI machines reach only the package
# registries, so CI checks licences, bans and sources (deny.toml) and this runs where GitHub is
# reachable (a release machine, a scheduled job). Installs cargo-deny when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-deny >/dev/null || cargo install --locked cargo-deny
cargo deny check advisories
