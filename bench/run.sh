#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/run.sh: what `make bench` runs: every capacity figure beside its
# baseline measured in the same run (bench/ingest.sh, bench/daemon.py,
# bench/invoices.sh), then bench/bulk.sh's figure, then the table of the
# figures (bench/table.py): medians of BENCH_RUNS runs, their spread, and
# whether each goal is met.  Exits non-zero when a goal is missed.
# Knobs (environment): BENCH_LINES (1000000), BENCH_RUNS (3), BENCH_BIG_MB
# (1024), BENCH_FILES (10000), BENCH_RATE (2000), BENCH_INVOICES (1000),
# BENCH_ORDERS (100000).  BENCH_SMOKE=1 (`make bench-smoke`): tiny sizes
# and one run by default, goals reported but never failing.
set -euo pipefail
. "$(dirname "$0")/common.sh"

smoke=${BENCH_SMOKE:-0}
if [ "$smoke" = 1 ]; then
	lines=${BENCH_LINES:-2000} runs=${BENCH_RUNS:-1} big_mb=${BENCH_BIG_MB:-2}
	files=${BENCH_FILES:-200} rate=${BENCH_RATE:-2000} invoices=${BENCH_INVOICES:-20}
	orders=${BENCH_ORDERS:-100}
else
	lines=${BENCH_LINES:-1000000} runs=${BENCH_RUNS:-3} big_mb=${BENCH_BIG_MB:-1024}
	files=${BENCH_FILES:-10000} rate=${BENCH_RATE:-2000} invoices=${BENCH_INVOICES:-1000}
	orders=${BENCH_ORDERS:-100000}
fi
export SLUICE=$sluice BENCH_RESULTS=$work/results
: > "$BENCH_RESULTS"

echo "== bulk CSV ingest"
bash "$here/ingest.sh" "$lines" "$runs" "$big_mb"
echo "== small files through the daemon"
python3 "$here/daemon.py" "$sluice" "$work" "$files" "$rate" "$runs"
echo "== invoices"
bash "$here/invoices.sh" "$invoices" "$runs"
echo "== bulk ship"
bulk=0
bash "$here/bulk.sh" "$orders" || bulk=$?
echo
if [ "$smoke" = 1 ]; then
	python3 "$here/table.py" "$BENCH_RESULTS" --never-fail
	echo "smoke run: goals reported, never failing"
else
	python3 "$here/table.py" "$BENCH_RESULTS"
	exit "$bulk"
fi
