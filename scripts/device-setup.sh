#!/bin/sh
# On a lent GPU machine (no package registry): unpack the Debian packages
# carried in .device/debs (liburing, jansson, xxhash) into /, then build.
# Usage: sh scripts/device-setup.sh  (from the repository root)
set -e
for d in .device/debs/*.deb; do
	[ -f "$d" ] && dpkg -x "$d" /
done
ldconfig
make -j16 >/dev/null
