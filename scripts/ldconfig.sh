#!/bin/sh
# Run by `meson install`: refresh the dynamic loader's cache after installing libcustos,
# so programs and Python's ctypes find it with no extra variables. Skipped for staged
# installs (DESTDIR), by non-root users, and where there is no ldconfig.
[ -n "${DESTDIR:-}" ] && exit 0
[ "$(id -u)" -eq 0 ] || exit 0
for l in /sbin/ldconfig /usr/sbin/ldconfig; do
  if [ -x "$l" ]; then
    exec "$l"
  fi
done
exit 0
