#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/fuzz/run.sh SECONDS [TARGET...]: runs each fuzzer (fuzz_csv and
# fuzz_xml by default) for SECONDS on its corpus, both at once (one core
# each), then merges the inputs that found new coverage back into
# tests/fuzz/corpus/{csv,xml}/ (-merge=1 -use_counters=0 adds only inputs
# with new edges, so the corpus stays small) and copies every crash-,
# leak-, timeout- and oom- input into tests/fuzz/regressions/ as
# csv-crash-<sha1>, xml-leak-<sha1>, ...
#
# The fuzzers are taken from FUZZ_OUT (/tmp/sluice-fuzz by default; built
# by build.sh).  New inputs are written to FUZZ_OUT/work-TARGET/, the
# log to FUZZ_OUT/TARGET.log.  libFuzzer runs in fork mode and keeps going
# after a crash, leak, timeout or oom (FORK=0 runs it plainly, stopping
# at the first one).  Exits 1 when a new crash input was saved.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${FUZZ_OUT:-/tmp/sluice-fuzz}
secs=${1:?usage: run.sh SECONDS [fuzz_csv|fuzz_xml...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_csv fuzz_xml)
fork=${FORK:-1}
# ASan's quarantine (256 MiB by default) alone would fill the 256 MiB RSS
# limit after a few minutes and turn every long run into false "oom"s; a
# 32 MiB quarantine keeps use-after-free detection and leaves the limit to
# real memory growth (-malloc_limit_mb follows -rss_limit_mb: any single
# allocation over 256 MiB is reported too).
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=32}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

for t in "${targets[@]}"; do
	[ -x "$out/$t" ] || { echo "run.sh: $out/$t is missing: run build.sh first" >&2; exit 1; }
done
mkdir -p "$here/regressions"

opts=(-max_len=65536 -rss_limit_mb=256 -timeout=10 -max_total_time="$secs"
	-print_final_stats=1)
if [ "$fork" = 1 ]; then
	opts+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
fi

pids=()
for t in "${targets[@]}"; do
	fmt=${t#fuzz_}
	mkdir -p "$out/work-$t" "$out/artifacts-$t"
	"$out/$t" "${opts[@]}" -dict="$here/$fmt.dict" -artifact_prefix="$out/artifacts-$t/" \
		"$out/work-$t" "$here/corpus/$fmt" >"$out/$t.log" 2>&1 &
	pids+=($!)
done
status=0
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || echo "run.sh: ${targets[$i]} exited with status $? (see $out/${targets[$i]}.log)"
done

for t in "${targets[@]}"; do
	fmt=${t#fuzz_}
	# keep only what adds edges to the checked-in corpus (-use_counters=0:
	# new hit counts of known edges do not count, so it grows slowly)
	"$out/$t" -merge=1 -use_counters=0 -max_len=65536 -rss_limit_mb=256 -timeout=10 \
		-artifact_prefix="$out/artifacts-$t/" "$here/corpus/$fmt" "$out/work-$t" \
		>"$out/$t.merge.log" 2>&1 ||
		echo "run.sh: merging the corpus of $t failed (see $out/$t.merge.log)"
	for f in "$out/artifacts-$t"/crash-* "$out/artifacts-$t"/leak-* \
	    "$out/artifacts-$t"/timeout-* "$out/artifacts-$t"/oom-*; do
		[ -e "$f" ] || continue
		dest="$here/regressions/$fmt-$(basename "$f")"
		if [ ! -e "$dest" ]; then
			cp "$f" "$dest"
			echo "run.sh: new finding saved as $dest"
			status=1
		fi
	done
	echo "== $t: $(grep -E '^#[0-9]+.*(cov|ft):' "$out/$t.log" | tail -n 1)"
	grep -E '^stat::' "$out/$t.log" | sed 's/^/   /' || true
	# coverage of everything found so far, counted as a plain (not fork)
	# run counts it
	echo "   all inputs: $("$out/$t" -runs=0 -max_len=65536 -rss_limit_mb=256 \
		"$out/work-$t" "$here/corpus/$fmt" 2>&1 | grep -E '^#[0-9]+[[:space:]]+INITED' | tail -n 1)"
	echo "   corpus: $(find "$here/corpus/$fmt" -type f | wc -l) files," \
		"$(du -sk "$here/corpus/$fmt" | cut -f1) KiB"
done
exit $status
