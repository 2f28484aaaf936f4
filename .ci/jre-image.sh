#!/usr/bin/env bash
# .ci/jre-image.sh — make the local Java base image (default bifrost/jre:local) that the container-image test builds
# docker/Dockerfile on (`--build-arg BASE=bifrost/jre:local`), since no registry is reachable to pull
# eclipse-temurin:21-jre. Called by .ci/docker-setup.sh once the engine answers.
#
# What goes in, with `docker import` (no base image, nothing pulled):
#   - /opt/java/openjdk: a runtime jlinked from the machine's JDK 21+ (the one bin/java21 picks), or that JDK's
#     files as they are when it has no jlink; the same path and JAVA_HOME as the official Temurin images
#   - the shared libraries the launcher and the runtime's native libraries link (ldd)
#   - sh, bash, head, grep: the Dockerfile's entrypoint (sh -c "exec java ...") and HEALTHCHECK (bash /dev/tcp)
#   - a minimal /etc with the image's user (bifrost, uid 10001), a sticky /tmp
#
# Idempotent and quick: skipped when the image exists, starts java, and was made from the same JDK.
# Environment knobs:
#   BIFROST_JRE_IMAGE    image name:tag to build            (default bifrost/jre:local)
#   BIFROST_JRE_REBUILD  set to 1 to rebuild even if present (default 0)
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${BIFROST_JRE_IMAGE:-bifrost/jre:local}"
REBUILD="${BIFROST_JRE_REBUILD:-0}"
IMAGE_JAVA_HOME=/opt/java/openjdk
# Enough for the gateway and its libraries (Helidon, Lettuce/Netty: jdk.unsupported) and for diagnosing a running
# one (jdk.jfr, jdk.management); no desktop, no compiler.
MODULES=java.se,jdk.unsupported,jdk.management,jdk.management.agent,jdk.naming.dns,jdk.zipfs,jdk.jfr,jdk.net,jdk.crypto.cryptoki,jdk.localedata

log() { printf '[jre-image] %s\n' "$*"; }
die() { printf '[jre-image] ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck source=rootfs.sh
. .ci/rootfs.sh

java=$(bin/java21) || die "no JDK 21+ on this machine (bin/java21 found none)"
jdk=$(dirname "$(dirname "$(readlink -f "$java")")")
source_label="$("$java" -version 2>&1 | head -2 | tr -d '"' | tr '\n' ' ') at $jdk"

image_works() {
  docker run --rm --network none "$IMAGE" java -version >/dev/null 2>&1
}

if image_is_current "$IMAGE" org.bifrost.jre.source "$source_label"; then
  log "image $IMAGE already present and starts java, skipping build"
  exit 0
fi

start_ts=$(date +%s)
rootfs=$(mktemp -d /tmp/bifrost-jre-rootfs.XXXXXX)
# shellcheck disable=SC2064  # expand $rootfs now, on purpose
trap "rm -rf '$rootfs'" EXIT
mkdir -p "$rootfs/opt/java"

if [ -x "$jdk/bin/jlink" ]; then
  log "jlinking a runtime from $jdk"
  "$jdk/bin/jlink" --add-modules "$MODULES" --include-locales=en --strip-debug --no-man-pages --no-header-files \
    --compress=zip-6 --output "$rootfs$IMAGE_JAVA_HOME" >/tmp/jre-image-jlink.log 2>&1 \
    || { cat /tmp/jre-image-jlink.log >&2; die "jlink failed (log above)"; }
else
  log "$jdk has no jlink: copying its files"
  mkdir -p "$rootfs$IMAGE_JAVA_HOME"
  tar -C "$jdk" --exclude=./lib/src.zip --exclude=./lib/ct.sym --exclude=./man --exclude=./include --exclude=./jmods \
    -c . | tar -C "$rootfs$IMAGE_JAVA_HOME" -x
fi

# The launcher, then every native library of the runtime; libjvm.so is found through the runtime's own rpath.
# Desktop libraries (awt with X11, sound) are left out: the gateway is headless, and ldd would pull in X.
copy_libs_of "$rootfs$IMAGE_JAVA_HOME/bin/java" "$rootfs"
while read -r so; do
  case "$so" in
    */libawt_xawt.so|*/libjawt.so|*/libjsound.so|*/libsplashscreen.so) continue ;;
  esac
  copy_libs_of "$so" "$rootfs"
done < <(find "$rootfs$IMAGE_JAVA_HOME/lib" -name '*.so')

copy_with_libs "$(command -v sh)" /bin/sh "$rootfs"
copy_with_libs "$(command -v bash)" /bin/bash "$rootfs"
copy_with_libs "$(command -v head)" /usr/bin/head "$rootfs"
copy_with_libs "$(command -v grep)" /usr/bin/grep "$rootfs"
ln -s ../../usr/bin/grep "$rootfs/bin/grep"

# The image's user is here already, as a name: the Dockerfile adds it with useradd only where it is missing.
base_etc "$rootfs" 'bifrost:x:10001:10001:bifrost:/nonexistent:/usr/sbin/nologin\n' 'bifrost:x:10001:\n'

tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -c . |
  docker import \
    -c "ENV JAVA_HOME=$IMAGE_JAVA_HOME" \
    -c "ENV PATH=$IMAGE_JAVA_HOME/bin:/usr/local/bin:/usr/bin:/bin" \
    -c 'CMD ["java", "-version"]' \
    -c "LABEL org.bifrost.jre.source=\"$source_label\"" \
    -m "a Java runtime from the host's JDK, built by .ci/jre-image.sh" \
    - "$IMAGE" >/dev/null
rm -rf "$rootfs"
trap - EXIT

image_works || die "image $IMAGE was built but 'java -version' does not run in it"
log "image $IMAGE ($(docker image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1000000}')) built in $(( $(date +%s) - start_ts ))s"
