#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/fuzz/build.sh [OUT]: builds the libFuzzer targets fuzz_csv and
# fuzz_xml, and fuzz_replay (the same harness with a main() that replays
# files, see fuzz_parse.c), with clang, ASan and UBSan, into OUT
# (/tmp/sluice-fuzz by default).
#
# libsluice is compiled again from the sources that Makefile.am lists in
# libsluice_a_SOURCES (plus the sources it generates, from the build), with
# coverage and sanitizer instrumentation, into OUT/libsluice-fuzz.a: the
# gcc-built build/libsluice.a is not instrumented.  config.h comes from
# the autotools build: run ./bootstrap.sh first (or set SLUICE_BUILD to
# another configured build directory).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-/tmp/sluice-fuzz}
build=${SLUICE_BUILD:-$top/build}
CC=${CC:-clang}

if [ ! -f "$build/config.h" ]; then
	echo "build.sh: $build/config.h is missing: run ./bootstrap.sh first" >&2
	exit 1
fi
mkdir -p "$out/obj"
out=$(cd "$out" && pwd)

san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# The dependencies' flags as configure found them (every FOO_CFLAGS and
# FOO_LIBS that configure substituted into the build's Makefile; make is
# not run there, as it could regenerate files of the source tree), else
# those of the libraries the parsers use.
depflags() {   # depflags CFLAGS|LIBS
	sed -n "s/^\([A-Z0-9_]*\)_$1 = \(.*\)/\1 \2/p" "$build/Makefile" 2>/dev/null |
		grep -v -E '^(WARN|SAN|CHECK|UNIT|AM|tests_[a-z0-9_]*) |\$\(' | cut -d' ' -f2- | tr '\n' ' ' ||
		true
}
dep_cflags=$(depflags CFLAGS)
libs=$(depflags LIBS)
if [ -z "$libs" ]; then
	dep_cflags=$(pkg-config --cflags libxml-2.0)
	libs="$(pkg-config --libs libxml-2.0 sqlite3 jansson libcrypto libsystemd) -lcsv"
fi
cflags="-g -O1 -std=gnu11 -Wall -Wno-unused-parameter -I$top -I$build $dep_cflags"
# the harness checks every receipt against this schema
harness="-DFUZZ_RECEIPT_XSD=\"$top/schemas/receipt.xsd\""

# The .c files of libsluice_a_SOURCES (continued lines joined).
sources=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$top/Makefile.am" |
	sed -n 's/^libsluice_a_SOURCES[[:space:]]*=//p' | tr ' \t' '\n\n' | grep '\.c$')
if [ -z "$sources" ]; then
	echo "build.sh: no libsluice_a_SOURCES found in $top/Makefile.am" >&2
	exit 1
fi

# The generated sources (nodist_libsluice_a_SOURCES: the migrations, the
# default template and logo, the output schemas) are taken from the
# autotools build, which makes them.
generated=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$top/Makefile.am" |
	sed -n 's/^nodist_libsluice_a_SOURCES[[:space:]]*=//p' | tr ' \t' '\n\n' | grep '\.c$' |
	sed "s|^|$build/|")
for src in $generated; do
	if [ ! -f "$src" ]; then
		echo "build.sh: $src is missing: run make in $build first" >&2
		exit 1
	fi
done

# A module that does not compile (being edited, or needing a library not
# installed) is left out with a warning: the link below says whether the
# harness needs it.
compile() {   # compile SRC OBJ
	rm -f "$2"
	"$CC" $cflags $san -fsanitize=fuzzer-no-link -c "$1" -o "$2" 2>"$2.err" ||
		echo "build.sh: warning: $1 does not compile, left out (see $2.err)" >&2
}
export -f compile
export CC cflags san
objs=()
jobs=()
for src in $sources $generated; do
	case $src in /*) path=$src ;; *) path=$top/$src ;; esac
	obj=$out/obj/$(echo "${src#"$build/"}" | tr / _ | sed 's/\.c$/.o/')
	objs+=("$obj")
	jobs+=("$path" "$obj")
done
printf '%s\0%s\0' "${jobs[@]}" | xargs -0 -n 2 -P "$(nproc)" bash -c 'compile "$0" "$1"'
built=()
for o in "${objs[@]}"; do
	[ -f "$o" ] && built+=("$o")
done
rm -f "$out/libsluice-fuzz.a"
ar rcs "$out/libsluice-fuzz.a" "${built[@]}"

"$CC" $cflags $harness $san -fsanitize=fuzzer "$here/fuzz_parse.c" "$out/libsluice-fuzz.a" $libs \
	-o "$out/fuzz_csv"
"$CC" $cflags $harness $san -fsanitize=fuzzer -DFUZZ_XML "$here/fuzz_parse.c" "$out/libsluice-fuzz.a" \
	$libs -o "$out/fuzz_xml"
"$CC" $cflags $harness $san -DFUZZ_REPLAY "$here/fuzz_parse.c" "$out/libsluice-fuzz.a" $libs \
	-fsanitize=fuzzer-no-link -o "$out/fuzz_replay"
echo "build.sh: built $out/fuzz_csv $out/fuzz_xml $out/fuzz_replay"
