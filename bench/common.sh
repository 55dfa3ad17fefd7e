# SPDX-License-Identifier: ISC
# bench/common.sh: what the benchmarks share, sourced after `set -euo pipefail`:
# here (this folder), sluice (the binary: $SLUICE, else ./sluice), work (a
# temporary folder removed on exit), and the tools they need checked.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sluice=${SLUICE:-$PWD/sluice}
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
for tool in /usr/bin/time sqlite3 python3 awk; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is needed"; exit 1; }
done

# What each benchmark measured, for bench/table.py: lines appended to the
# file $BENCH_RESULTS (bench/run.sh sets it; without it nothing is kept).
# bench_figure NAME UNIT BASELINE GOAL declares a figure: its baseline's
# name (or -), and its goal (or -): "<= 32" or ">= 10000" on sluice's
# figure, "<= 1.2x" on sluice's figure divided by the baseline's.
bench_figure() {
	[ -z "${BENCH_RESULTS:-}" ] || printf 'F\t%s\t%s\t%s\t%s\n' "$@" >> "$BENCH_RESULTS"
}
# bench_sample NAME sluice|base VALUE records one run's value of a figure.
bench_sample() {
	[ -z "${BENCH_RESULTS:-}" ] || printf 'S\t%s\t%s\t%s\n' "$@" >> "$BENCH_RESULTS"
}
