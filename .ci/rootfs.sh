# .ci/rootfs.sh — sourced by the scripts that make local base images with `docker import` (no registry here).
# Defines copy_with_libs and base_etc; the caller defines die().

# copy_with_libs SRC DEST ROOTFS: put the file SRC resolves to at ROOTFS/DEST, plus every library `ldd` resolves
# for it ("name => /path (addr)") and the dynamic loader ("/lib64/ld-linux-x86-64.so.2 (addr)"), each copied
# dereferenced to the very path ldd printed. Debian's loader searches /lib/x86_64-linux-gnu by default, so no
# ld.so.cache is needed. Libraries a file finds through its own rpath (the JDK's libjvm.so) are not ldd's business.
copy_with_libs() {
  local src dest root real lib
  src=$1; dest=$2; root=$3
  real=$(readlink -f "$src")
  [ -e "$root$dest" ] || install -D -m 0755 "$real" "$root$dest"
  copy_libs_of "$real" "$root"
}

# copy_libs_of FILE ROOTFS: only the libraries of FILE (already inside or outside ROOTFS).
copy_libs_of() {
  local file root lib
  file=$1; root=$2
  while read -r lib; do
    [ -n "$lib" ] || continue
    [ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done < <(ldd "$file" 2>/dev/null | awk '/=> \// {print $3} /^[[:space:]]*\// {print $1}')
}

# image_is_current IMAGE LABEL SOURCE: IMAGE exists, was made from SOURCE (its LABEL says so) and image_works (the
# caller's check) passes in it. REBUILD=1 says no.
image_is_current() {
  [ "${REBUILD:-}" != "1" ] && docker image inspect "$1" >/dev/null 2>&1 \
    && [ "$(docker image inspect --format "{{index .Config.Labels \"$2\"}}" "$1")" = "$3" ] \
    && image_works
}

# base_etc ROOTFS PASSWD_LINES GROUP_LINES: a minimal /etc (user and host look-ups) and a sticky /tmp.
base_etc() {
  local root=$1
  mkdir -p "$root/etc" "$root/tmp" "$root/root"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\n%bnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' "$2" >"$root/etc/passwd"
  printf 'root:x:0:\n%bnogroup:x:65534:\n' "$3" >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
}
