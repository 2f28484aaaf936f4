#!/usr/bin/env bash
# .ci/docker-setup.sh — make a local Docker engine and a local Redis image available
# for the Testcontainers-based integration tests.
#
# Why this exists: CI machines of this kind have a Docker *client* at most, no engine,
# and no image registry is reachable (only Debian apt, Maven Central and npm). So we
#   1. install Debian's `docker.io` (dockerd + containerd + runc) when dockerd is missing,
#   2. start dockerd in the background when no engine answers, and wait for it,
#   3. build the Redis image the tests ask for (default `bifrost/redis:7`) from the
#      machine's own /usr/bin/redis-server plus the shared libraries it links,
#      with `docker import` (no base image, nothing pulled),
#   4. make the Java base image for docker/Dockerfile (bifrost/jre:local, .ci/jre-image.sh),
#   5. print the engine version and the image id.
#
# Idempotent: each step is skipped when its result is already there, so running it
# again (or on a machine handed back from an earlier session) costs a few seconds.
#
# Environment knobs:
#   BIFROST_REDIS_IMAGE    image name:tag to build            (default bifrost/redis:7)
#   BIFROST_REDIS_REBUILD  set to 1 to rebuild even if present (default 0)
#   DOCKER_WAIT_SECONDS    how long to wait for dockerd        (default 60)
#   REDIS_SERVER_BIN       redis-server to package             (default /usr/bin/redis-server)
#
# The tests themselves must run with TESTCONTAINERS_RYUK_DISABLED=true and
# TESTCONTAINERS_HOST_OVERRIDE=localhost (see shared/DESIGN.md, "Environment facts").
set -euo pipefail

IMAGE="${BIFROST_REDIS_IMAGE:-bifrost/redis:7}"
REBUILD="${BIFROST_REDIS_REBUILD:-0}"
WAIT_SECONDS="${DOCKER_WAIT_SECONDS:-60}"
REDIS_BIN="${REDIS_SERVER_BIN:-/usr/bin/redis-server}"
DOCKERD_LOG=/tmp/dockerd.log
# Where the binary lives inside the image; ENTRYPOINT below uses the same path.
IMAGE_REDIS_PATH=/usr/bin/redis-server

# root's PATH normally has the sbin dirs, but make sure: dockerd lives in /usr/sbin.
export PATH="${PATH:-/usr/local/bin:/usr/bin:/bin}:/usr/local/sbin:/usr/sbin:/sbin"

log()  { printf '[docker-setup] %s\n' "$*"; }
die()  { printf '[docker-setup] ERROR: %s\n' "$*" >&2; exit 1; }

start_ts=$(date +%s)

# ---------------------------------------------------------------------------
# 1. Install the engine (Debian's docker.io) if dockerd is missing.
# ---------------------------------------------------------------------------
# Note: a Docker *client* may already exist (e.g. /usr/local/bin/docker); what we
# need is the daemon. docker.io also brings containerd, runc and iptables.
# An engine that already answers (Docker Desktop, rootless Docker, Podman's socket) is used as it is.
if docker info >/dev/null 2>&1; then
  log "a Docker engine already answers: $(docker info --format '{{.ServerVersion}}' 2>/dev/null || echo '?')"
elif ! command -v dockerd >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || die "no Docker engine answers and dockerd is missing; start your engine, or run bin/setup as root to apt-get install docker.io"
  log "dockerd not found: installing Debian package docker.io"
  export DEBIAN_FRONTEND=noninteractive
  # Retry a couple of times: a mirror hiccup should not fail a whole CI run.
  ok=0
  for attempt in 1 2 3; do
    if apt-get update -qq \
       && apt-get install -y -qq --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            docker.io >/tmp/docker-apt.log 2>&1; then
      ok=1; break
    fi
    log "apt-get attempt $attempt failed (see /tmp/docker-apt.log), retrying"
    sleep $((attempt * 5))
  done
  [ "$ok" -eq 1 ] || { tail -n 30 /tmp/docker-apt.log >&2 || true; die "could not install docker.io"; }
  command -v dockerd >/dev/null 2>&1 || die "docker.io installed but dockerd still not on PATH"
  log "installed: $(dockerd --version)"
else
  log "dockerd present: $(dockerd --version)"
fi
command -v docker >/dev/null 2>&1 || die "no docker client on PATH"

# ---------------------------------------------------------------------------
# 2. Start dockerd if no engine answers, then wait (bounded) for `docker info`.
# ---------------------------------------------------------------------------
# There is no systemd here (and /usr/sbin/policy-rc.d forbids service starts), so
# we run dockerd ourselves, fully detached: setsid + all three std streams
# redirected, so it neither holds the caller's stdout pipe open (which would make a
# CI harness wait for EOF forever) nor dies with the caller's process group.

# True if a live (not zombie) dockerd process exists. A dockerd killed at the end of
# an earlier session can linger as a zombie for a moment, and pgrep still lists it.
dockerd_alive() {
  local p st
  for p in $(pgrep -x dockerd 2>/dev/null); do
    st=$(ps -o stat= -p "$p" 2>/dev/null || true)
    [ -n "$st" ] && [ "${st:0:1}" != Z ] && return 0
  done
  return 1
}

# The interesting part of the daemon log: errors first, then the last lines.
show_dockerd_log() {
  {
    echo "--- errors in $DOCKERD_LOG:"
    grep -E 'level=(error|fatal)|failed to start' "$DOCKERD_LOG" | tail -n 15
    echo "--- last lines of $DOCKERD_LOG:"
    tail -n 10 "$DOCKERD_LOG"
  } >&2 2>/dev/null || true
}

# Pid files left by a dockerd/containerd that were killed (e.g. at the end of an
# earlier session on a machine handed back): dockerd refuses to start if docker.pid
# names a live pid, and if its containerd's pid file names a pid that still exists
# (even as a not yet reaped zombie, or reused by another program) it waits for that
# "containerd" and gives up after 15 s ("timeout waiting for containerd to start").
# Only called when no live dockerd exists.
clear_stale_pid_files() {
  local f=/var/run/docker/containerd/containerd.pid pid st comm
  rm -f /var/run/docker.pid
  if [ -f "$f" ]; then
    pid=$(cat "$f" 2>/dev/null || true)
    st=$(ps -o stat= -p "${pid:-0}" 2>/dev/null || true)
    comm=$(ps -o comm= -p "${pid:-0}" 2>/dev/null || true)
    if [ -z "$st" ] || [ "${st:0:1}" = Z ] || [ "$comm" != containerd ]; then
      rm -f "$f"
    fi
  fi
}

starts=0
start_dockerd() {
  clear_stale_pid_files
  log "starting dockerd in the background (log: $DOCKERD_LOG)"
  setsid nohup dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
  starts=$((starts + 1))
}

if docker info >/dev/null 2>&1; then
  log "Docker engine already running"
else
  if dockerd_alive; then
    log "a dockerd process exists but does not answer yet; waiting for it"
  else
    start_dockerd
  fi

  deadline=$(( $(date +%s) + WAIT_SECONDS ))
  until docker info >/dev/null 2>&1; do
    if ! dockerd_alive; then
      # Either the dockerd we found was on its way out, or ours died (e.g. tripped
      # over leftovers of a killed one): start (again), at most twice by us.
      if [ "$starts" -ge 2 ]; then
        show_dockerd_log
        die "dockerd exited during startup, twice (full log: $DOCKERD_LOG)"
      fi
      [ "$starts" -eq 0 ] || { show_dockerd_log; log "dockerd exited during startup; retrying once"; }
      start_dockerd
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      show_dockerd_log
      die "Docker engine did not answer 'docker info' within ${WAIT_SECONDS}s (log: $DOCKERD_LOG)"
    fi
    sleep 1
  done
  log "Docker engine is up"
fi

# ---------------------------------------------------------------------------
# 3. Build the Redis image from the host's redis-server (no registry needed).
# ---------------------------------------------------------------------------
# Smoke test: the image must start redis-server (all libraries and the loader
# present). `--version` exits at once, so this costs about a second.
image_works() {
  docker run --rm --network none "$IMAGE" --version >/dev/null 2>&1
}

# copy_with_libs SRC DEST ROOTFS: put the file SRC resolves to at ROOTFS/DEST, plus
# every library `ldd` resolves for it ("name => /path (addr)") and the dynamic
# loader ("/lib64/ld-linux-x86-64.so.2 (addr)"), each copied dereferenced to the
# very path ldd printed. The loader finds them through its built-in search path
# (Debian's glibc searches /lib/x86_64-linux-gnu by default; no ld.so.cache needed).
copy_with_libs() {
  local src dest root real lib
  src=$1; dest=$2; root=$3
  real=$(readlink -f "$src")
  install -D -m 0755 "$real" "$root$dest"
  if ldd "$real" | grep -q 'not found'; then
    ldd "$real" >&2; die "ldd reports missing libraries for $real"
  fi
  while read -r lib; do
    [ -n "$lib" ] || continue
    [ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done < <(ldd "$real" | awk '/=> \// {print $3} /^[[:space:]]*\// {print $1}')
}

build_image() {
  [ -e "$REDIS_BIN" ] || die "$REDIS_BIN not found (Debian package redis-server)"
  local rootfs cli
  rootfs=$(mktemp -d /tmp/bifrost-redis-rootfs.XXXXXX)
  # shellcheck disable=SC2064  # expand $rootfs now, on purpose
  trap "rm -rf '$rootfs'" EXIT

  # redis-server. On Debian /usr/bin/redis-server is a symlink to redis-check-rdb and
  # redis picks its mode from argv[0], so the file content is copied under the name
  # redis-server. The Debian build links libssl/libcrypto (TLS: --tls-port,
  # --tls-cert-file, ... work), and ldd lists them, so they come along.
  copy_with_libs "$REDIS_BIN" "$IMAGE_REDIS_PATH" "$rootfs"
  # Same binary also as /usr/local/bin/redis-server, the official image's path.
  mkdir -p "$rootfs/usr/local/bin"
  ln -s "$IMAGE_REDIS_PATH" "$rootfs/usr/local/bin/redis-server"

  # redis-cli, for tests that exec into the container (execInContainer).
  cli=$(dirname "$REDIS_BIN")/redis-cli
  [ -e "$cli" ] && copy_with_libs "$cli" /usr/bin/redis-cli "$rootfs"

  # /bin/sh and grep: Testcontainers' default wait strategy runs
  # `/bin/sh -c "grep -i ':0*18eb' /proc/net/tcp* || ..."` inside the container to
  # see that the port really listens there. Without a shell that check can't run,
  # and the wait only sees docker-proxy's host port, which opens before redis does.
  copy_with_libs "$(command -v sh)" /bin/sh "$rootfs"
  copy_with_libs "$(command -v grep)" /bin/grep "$rootfs"

  # Minimal /etc so user/group look-ups work, a sticky /tmp, and /data as the
  # working dir (where redis would write RDB/AOF files if a test turns them on).
  mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/data" "$rootfs/root"
  chmod 1777 "$rootfs/tmp"
  chmod 0777 "$rootfs/data"
  printf 'root:x:0:0:root:/root:/bin/sh\nredis:x:999:999:redis:/data:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nredis:x:999:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"

  # Default CMD mirrors the official image's behaviour for a config-less start
  # (protected mode off) and keeps nothing on disk; tests override it freely.
  tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -c . |
    docker import \
      -c "ENTRYPOINT [\"$IMAGE_REDIS_PATH\"]" \
      -c 'CMD ["--protected-mode", "no", "--save", "", "--appendonly", "no"]' \
      -c 'WORKDIR /data' \
      -c 'EXPOSE 6379' \
      -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
      -c "LABEL org.bifrost.redis.source=\"$("$REDIS_BIN" --version)\"" \
      -m "redis-server from the host's Debian package, built by .ci/docker-setup.sh" \
      - "$IMAGE" >/dev/null

  rm -rf "$rootfs"
  trap - EXIT
}

if [ "$REBUILD" != "1" ] && docker image inspect "$IMAGE" >/dev/null 2>&1 && image_works; then
  log "image $IMAGE already present and starts, skipping build"
else
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    log "rebuilding image $IMAGE (BIFROST_REDIS_REBUILD=1 or the present one does not start)"
    docker image rm -f "$IMAGE" >/dev/null
  fi
  log "building image $IMAGE from $REDIS_BIN"
  build_image
  image_works || die "image $IMAGE was built but '$IMAGE --version' does not run"
fi

# ---------------------------------------------------------------------------
# 3b. The Java base image the container-image tests build docker/Dockerfile on (bifrost/jre:local).
# ---------------------------------------------------------------------------
bash "$(dirname "$0")/jre-image.sh"

# ---------------------------------------------------------------------------
# 4. Report what we have.
# ---------------------------------------------------------------------------
log "$(docker version --format 'client {{.Client.Version}} (API {{.Client.APIVersion}}); engine {{.Server.Version}} (API {{.Server.APIVersion}}, min API {{.Server.MinAPIVersion}})')"
log "storage driver: $(docker info --format '{{.Driver}}')"
log "image $IMAGE id: $(docker image inspect --format '{{.Id}}' "$IMAGE")"
log "image redis: $(docker image inspect --format '{{index .Config.Labels "org.bifrost.redis.source"}}' "$IMAGE")"
log "done in $(( $(date +%s) - start_ts ))s"
