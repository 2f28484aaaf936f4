#!/usr/bin/env bash
# .ci/nginx-image.sh — make the local proxy image (default bifrost/nginx:local) for the compose test, from the machine's
# Debian nginx (bin/setup installs it) with `docker import`, since no registry is reachable to pull nginx:1.27-alpine.
# Called by .ci/docker-setup.sh once the engine answers; skipped when the image exists and starts nginx.
#
# The image runs `nginx -g 'daemon off;'` with the configuration mounted at /etc/nginx/nginx.conf, as the official
# image does; it has the directories Debian's build writes to (/var/lib/nginx, /var/log/nginx, /run) and the
# nobody/nogroup user nginx's workers switch to.
# Environment knobs:
#   BIFROST_NGINX_IMAGE    image name:tag to build            (default bifrost/nginx:local)
#   BIFROST_NGINX_REBUILD  set to 1 to rebuild even if present (default 0)
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${BIFROST_NGINX_IMAGE:-bifrost/nginx:local}"
REBUILD="${BIFROST_NGINX_REBUILD:-0}"
NGINX=/usr/sbin/nginx

log() { printf '[nginx-image] %s\n' "$*"; }
die() { printf '[nginx-image] ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck source=rootfs.sh
. .ci/rootfs.sh

[ -x "$NGINX" ] || die "$NGINX is missing: apt-get install nginx (bin/setup does)"
source_label=$("$NGINX" -v 2>&1 | head -1)

image_works() {
  docker run --rm --network none "$IMAGE" nginx -t >/dev/null 2>&1
}

if image_is_current "$IMAGE" org.bifrost.nginx.source "$source_label"; then
  log "image $IMAGE already present and starts nginx, skipping build"
  exit 0
fi

rootfs=$(mktemp -d /tmp/bifrost-nginx-rootfs.XXXXXX)
# shellcheck disable=SC2064  # expand $rootfs now, on purpose
trap "rm -rf '$rootfs'" EXIT
copy_with_libs "$NGINX" /usr/sbin/nginx "$rootfs"
copy_with_libs "$(command -v sh)" /bin/sh "$rootfs"
mkdir -p "$rootfs/etc/nginx" "$rootfs/var/lib/nginx" "$rootfs/var/log/nginx" "$rootfs/run" "$rootfs/var/lock"
# Access log to the container's output, as the official image does.
ln -s /dev/stdout "$rootfs/var/log/nginx/access.log"
# A configuration that passes `nginx -t` until one is mounted over it.
printf 'events {}\nhttp { server { listen 80; return 204; } }\n' >"$rootfs/etc/nginx/nginx.conf"
base_etc "$rootfs" '' ''

tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -c . |
  docker import \
    -c 'ENV PATH=/usr/sbin:/usr/bin:/bin' \
    -c 'CMD ["nginx", "-g", "daemon off;"]' \
    -c 'EXPOSE 80' \
    -c "LABEL org.bifrost.nginx.source=\"$source_label\"" \
    -m "nginx from the host's Debian package, built by .ci/nginx-image.sh" \
    - "$IMAGE" >/dev/null
rm -rf "$rootfs"
trap - EXIT
image_works || die "image $IMAGE was built but 'nginx -t' does not pass in it"
log "image $IMAGE built ($source_label)"
