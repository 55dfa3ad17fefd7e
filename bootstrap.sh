#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bootstrap.sh [CONFIGURE-ARGS...]: install what sluice needs on Debian 12
# (when missing), then autoreconf, configure and make into ./build.
# Set BUILD_DIR to build elsewhere.  Used by spool/demo.sh and tests/run.sh.
set -euo pipefail
cd "$(dirname "$0")"

packages=(build-essential autoconf automake pkg-config libcsv-dev libxml2-dev
	libxml2-utils libsqlite3-dev sqlite3 libjansson-dev libssl-dev libsystemd-dev
	libcairo2-dev libpango1.0-dev libqrencode-dev fonts-dejavu-core fonts-droid-fallback
	poppler-utils zbar-tools
	check inotify-tools python3 python3-prometheus-client time)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "bootstrap: installing ${missing[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] ||
	autoreconf -fi
build=${BUILD_DIR:-build}
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ] || [ "${*:-}" != "$(cat .configure-args 2>/dev/null)" ]; then
	"$OLDPWD/configure" "$@" >/dev/null
	printf '%s' "${*:-}" > .configure-args
fi
make -j"$(nproc)" >/dev/null
