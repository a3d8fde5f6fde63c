#!/usr/bin/env bash
# Builds deploy/Dockerfile with podman and runs the image as an operator would, checking that:
# the server runs as uid 10001, not root; it starts on a read-only root file system with only
# its volume writable, creates its database and master key there (owner-only), answers /healthz
# and /readyz, and keeps its data and key across a restart of the container; operator commands
# (`flowsense org create`, `flowsense backup create`) work through `exec`; SIGTERM stops it
# cleanly (exit 0).
#
#   deploy/container-check.sh            # the image around a binary built beforehand (BINARY)
#   BINARY_FROM=build deploy/container-check.sh   # the whole build, inside the container
#
# BINARY: the binary a `prebuilt` image takes (default target/debug/flowsense; built when
# missing), a path inside the repository built on Debian 12. The base images come from a
# registry when one is reachable; when not (this project's CI has only package mirrors), the
# runtime base `debian:bookworm-slim` is made locally with debootstrap from the Debian mirror,
# as Debian's own slim image is, and cached in CACHE (default ~/.cache/flowsense/container).
# PODMAN_RUNTIME_FLAGS: extra flags for `podman`, for sandboxes whose cgroups or limits crun
# refuses (.ci/run passes `--runtime runc --cgroup-manager cgroupfs`).
set -euo pipefail
cd "$(dirname "$0")/.."
BINARY_FROM="${BINARY_FROM:-prebuilt}"
BINARY="${BINARY:-target/debug/flowsense}"
CACHE="${CACHE:-$HOME/.cache/flowsense/container}"
read -r -a FLAGS <<<"${PODMAN_RUNTIME_FLAGS:-}"
# Limits inside the container no higher than this process's own, which a sandbox may not raise.
LIMITS=(--ulimit "nofile=1024:1024" --ulimit "nproc=4096:4096")
pm() { podman "${FLAGS[@]}" "$@"; }
NAME="flowsense-check-$$"
VOLUME="flowsense-check-$$"
IMAGE="localhost/flowsense:check"
cleanup() {
    pm rm -f "$NAME" >/dev/null 2>&1 || true
    pm volume rm -f "$VOLUME" >/dev/null 2>&1 || true
}
trap cleanup EXIT
fail() { echo "container-check: $*" >&2; exit 1; }

RUNTIME_BASE=docker.io/library/debian:bookworm-slim
if ! pm image exists "$RUNTIME_BASE" && ! pm pull -q "$RUNTIME_BASE" >/dev/null 2>&1; then
    echo "==> $RUNTIME_BASE from debootstrap (minbase, bookworm) into $CACHE"
    mkdir -p "$CACHE"
    if [ ! -e "$CACHE/rootfs/etc/debian_version" ]; then
        rm -rf "$CACHE/rootfs"
        debootstrap --variant=minbase --include=ca-certificates bookworm "$CACHE/rootfs" \
            http://deb.debian.org/debian >"$CACHE/debootstrap.log"
    fi
    tar -C "$CACHE/rootfs" -c . | pm import -q - "$RUNTIME_BASE" >/dev/null
fi

if [ "$BINARY_FROM" = prebuilt ]; then
    case "$BINARY" in
        target/debug/flowsense | target/release/flowsense)
            # Built where cargo builds (CARGO_TARGET_DIR may point outside the repository),
            # then copied into the build context when it is not there already.
            profile="${BINARY#target/}"
            profile="${profile%/flowsense}"
            built="${CARGO_TARGET_DIR:-target}/$profile/flowsense"
            if [ ! -x "$built" ]; then
                if [ "$profile" = release ]; then
                    cargo build --release --locked -p flowsense --bin flowsense
                else
                    cargo build --locked -p flowsense --bin flowsense
                fi
            fi
            if ! [ "$built" -ef "$BINARY" ]; then
                mkdir -p "target/$profile"
                cp "$built" "$BINARY"
            fi
            ;;
    esac
    [ -x "$BINARY" ] || fail "no binary at $BINARY (a path inside the repository)"
fi

echo "==> podman build (BINARY_FROM=$BINARY_FROM)"
pm build -q "${LIMITS[@]}" -f deploy/Dockerfile -t "$IMAGE" \
    --build-arg "BINARY_FROM=$BINARY_FROM" --build-arg "PREBUILT=$BINARY" . >/dev/null

user=$(pm image inspect --format '{{.Config.User}}' "$IMAGE")
[ "$user" = "10001:10001" ] || fail "the image runs as '$user', not 10001:10001"

start() {
    pm run -d --name "$NAME" "${LIMITS[@]}" --read-only --tmpfs /tmp \
        -v "$VOLUME:/var/lib/flowsense" -p "127.0.0.1::8080" "$IMAGE" >/dev/null
    PORT=$(pm port "$NAME" 8080/tcp | sed 's/.*://')
    for _ in $(seq 1 60); do
        curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
        sleep 1
    done
    pm logs "$NAME" >&2 || true
    fail "the server did not answer /healthz within 60 s"
}

echo "==> first start"
start
curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null || fail "/readyz did not answer 200"
uid=$(pm exec "$NAME" sh -c 'stat -c %u /proc/1')
[ "$uid" = 10001 ] || fail "the server runs as uid $uid"
key_mode=$(pm exec "$NAME" stat -c '%a %u' /var/lib/flowsense/flowsense-data/master.key)
[ "$key_mode" = "600 10001" ] || fail "the generated master key is '$key_mode', not '600 10001'"
db_mode=$(pm exec "$NAME" stat -c '%a' /var/lib/flowsense/flowsense-data/flowsense.db)
[ "$db_mode" = 600 ] || fail "the database file is mode $db_mode"
if pm exec "$NAME" sh -c 'touch /usr/local/bin/x' 2>/dev/null; then
    fail "the root file system is writable"
fi
pm exec "$NAME" flowsense org create --slug cafe --name Cafe >/dev/null
pm exec "$NAME" flowsense backup create --dir /var/lib/flowsense/backups >/dev/null \
    || fail "flowsense backup create failed in the container"
key_before=$(pm exec "$NAME" sha256sum /var/lib/flowsense/flowsense-data/master.key)

echo "==> SIGTERM"
pm stop -t 30 "$NAME" >/dev/null
code=$(pm inspect --format '{{.State.ExitCode}}' "$NAME")
[ "$code" = 0 ] || fail "the server exited with $code on SIGTERM"
pm rm "$NAME" >/dev/null

echo "==> second start, same volume"
start
key_after=$(pm exec "$NAME" sha256sum /var/lib/flowsense/flowsense-data/master.key)
[ "$key_before" = "$key_after" ] || fail "the master key changed across a restart"
# A member can join `cafe` only if the organisation made before the restart is still there.
pm exec "$NAME" flowsense user create --email ann@cafe.test --name Ann --org cafe --role admin \
    >/dev/null || fail "the organisation did not survive a restart"
echo "deploy/Dockerfile: built ($BINARY_FROM), runs as 10001 on a read-only root, data kept across restarts, clean stop"
