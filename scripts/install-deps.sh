#!/bin/sh
# Install what vyre needs from Debian, if it is missing. Idempotent; quiet
# when everything is already there.  prometheus is a test dependency:
# make check runs its promtool over every Prometheus textfile the tests make.
set -e
PKGS="make gcc clang libclang-rt-14-dev ocl-icd-opencl-dev opencl-headers
pocl-opencl-icd clinfo liburing-dev libjansson-dev libxxhash-dev mandoc
time jq librsvg2-bin netpbm prometheus"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "install-deps: need root to install:$missing" >&2
		exit 4
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
