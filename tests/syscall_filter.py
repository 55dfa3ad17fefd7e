# SPDX-License-Identifier: ISC
"""syscall_filter.py UNIT TRACE: whether every system call in TRACE (the
output of strace -f) passes the SystemCallFilter= lines of UNIT, groups
expanded by systemd-analyze syscall-filter.  Prints the calls that would be
refused and exits 1 when there is one (tests/package.sh)."""
import re
import subprocess
import sys


def expand(name, seen):
    """The system calls of a group (@name) or a single call."""
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    text = subprocess.run(["systemd-analyze", "syscall-filter", name], check=True,
                          capture_output=True, text=True).stdout
    calls = set()
    for line in text.splitlines()[1:]:
        item = line.strip()
        if item and not item.startswith("#"):
            calls |= expand(item, seen)
    return calls


def allowed_calls(unit):
    allowed = None
    for line in open(unit, encoding="utf-8"):
        m = re.match(r"SystemCallFilter=(~?)(.*)", line.strip())
        if not m:
            continue
        calls = set()
        for name in m.group(2).split():
            calls |= expand(name, set())
        if m.group(1):
            allowed = (allowed if allowed is not None else set()) - calls
        else:
            allowed = (allowed or set()) | calls
    return allowed


def main():
    allowed = allowed_calls(sys.argv[1])
    if allowed is None:
        print("# the unit has no SystemCallFilter")
        return 1
    used = set()
    for line in open(sys.argv[2], encoding="utf-8", errors="replace"):
        m = re.match(r"\d+\s+([a-z0-9_]+)\(", line) or re.match(r"\d+\s+<\.\.\. ([a-z0-9_]+) resumed", line)
        if m:
            used.add(m.group(1))
    refused = sorted(used - allowed)
    print("# %d system calls made, %d of them refused by the filter%s" %
          (len(used), len(refused), ": " + " ".join(refused) if refused else ""))
    return 1 if refused or not used else 0


sys.exit(main())
