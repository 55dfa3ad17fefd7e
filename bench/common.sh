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
