#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/package.sh: build sluice's Debian package, check it with lintian,
# install it on this machine and prove what it sets up: the user and its
# group, the spool, the ledger and the secret, the unit (enabled, verified,
# hardened, its syscall filter wide enough for what the daemon calls, its
# ExecStart ready under a notify socket), a delivery by a member of the group
# processed by the user sluice, an idempotent reinstall, then remove and
# purge.  It installs system-wide, creates users and removes what it made:
# run it as root on a machine made for tests, with SLUICE_PACKAGE_TEST=1 (CI
# sets CI=true).  DEB_BUILD_OPTIONS passes to dpkg-buildpackage (nocheck
# skips the suite it runs).  Prints "package: N passed, N failed" last.
set -uo pipefail
cd "$(dirname "$0")/.."
src=$PWD

if [ "$(id -u)" -ne 0 ] || { [ "${CI:-}" != true ] && [ "${SLUICE_PACKAGE_TEST:-}" != 1 ]; }; then
	echo "tests/package.sh installs sluice system-wide: run it as root with SLUICE_PACKAGE_TEST=1" >&2
	exit 2
fi
marker=/var/lib/sluice/.package-test
if dpkg-query -W -f='${Status}' sluice 2>/dev/null | grep -q installed ||
	{ [ -e /var/lib/sluice ] && [ ! -e "$marker" ]; }; then
	echo "tests/package.sh: sluice is installed here, or /var/lib/sluice holds data it did not make: not touching it" >&2
	exit 2
fi

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "not ok - $*"; }
# check DESCRIPTION COMMAND...: runs COMMAND, ok when it succeeds (else
# what it printed is shown)
check() {
	local what=$1
	shift
	if "$@" >"$work/check.out" 2>&1; then
		ok "$what"
	else
		fail "$what"
		sed 's/^/# /' "$work/check.out" | tail -20
	fi
}
# mode_is PATH OWNER:GROUP MODE
mode_is() {
	local got
	got=$(stat -c '%U:%G %a' "$1" 2>&1)
	[ "$got" = "$2 $3" ] || { echo "# $1: $got, not $2 $3"; return 1; }
}
as() { local u=$1; shift; runuser -u "$u" -- "$@"; }

work=$(mktemp -d /tmp/sluice-package.XXXXXX)
partner=sluicepkgpartner
outsider=sluicepkgoutsider
had_user=no
getent passwd sluice >/dev/null && had_user=yes
cleanup() {
	dpkg --purge sluice >/dev/null 2>&1
	[ $had_user = yes ] || { userdel sluice >/dev/null 2>&1; groupdel sluice >/dev/null 2>&1; }
	userdel "$partner" >/dev/null 2>&1
	userdel "$outsider" >/dev/null 2>&1
	[ -e "$marker" ] && rm -rf /var/lib/sluice /var/spool/sluice
	rm -rf "$work"
}
trap cleanup EXIT

echo "== build the package"
export DEBIAN_FRONTEND=noninteractive
tools=(dpkg-dev debhelper lintian fakeroot strace python3 sqlite3)
apt-get install -y -qq --no-install-recommends "${tools[@]}" >/dev/null 2>&1 ||
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "${tools[@]}" >/dev/null; } ||
	{ echo "tests/package.sh: cannot install the packaging tools"; exit 1; }
mkdir "$work/src"
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$work/src" ||
	{ echo "tests/package.sh: cannot copy the sources"; exit 1; }
(cd "$work/src" && apt-get build-dep -y -qq ./ >/dev/null) ||
	{ echo "tests/package.sh: cannot install the build dependencies"; exit 1; }
if (cd "$work/src" && dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1); then
	ok "dpkg-buildpackage -us -uc -b (DEB_BUILD_OPTIONS='${DEB_BUILD_OPTIONS:-}')"
else
	tail -40 "$work/build.log"
	fail "dpkg-buildpackage -us -uc -b"
	echo "package: $passed passed, $failed failed"
	exit 1
fi
grep -E '^# (TOTAL|PASS|FAIL|ERROR):' "$work/build.log"
deb=$(ls "$work"/sluice_*.deb)

echo "== lintian"
lintian --pedantic --info --show-overrides "$deb" >"$work/lintian.out" 2>&1
cat "$work/lintian.out"
check "lintian: no error, no warning without an override" \
	bash -c "! grep -E '^[EW]: ' '$work/lintian.out'"

echo "== install"
check "apt install ./sluice_*.deb" apt-get install -y -qq "$deb"
touch "$marker"
check "the user sluice: a system user whose home is /var/lib/sluice, without a shell" \
	bash -c '[ "$(getent passwd sluice | cut -d: -f6,7)" = /var/lib/sluice:/usr/sbin/nologin ] &&
		[ "$(id -u sluice)" -lt 1000 ] && getent group sluice >/dev/null'
check "the spool root is sluice's, 0750" mode_is /var/spool/sluice sluice:sluice 750
check "in/orders/ lets the group deliver (2770)" mode_is /var/spool/sluice/in/orders sluice:sluice 2770
check "out/invoices/ lets the group read (750)" mode_is /var/spool/sluice/out/invoices sluice:sluice 750
check "the state folder is sluice's, 0750" mode_is /var/lib/sluice sluice:sluice 750
check "the ledger is sluice's, readable by the group" mode_is /var/lib/sluice/ledger.db sluice:sluice 640
check "the link secret is sluice's alone" mode_is /var/lib/sluice/link.secret sluice:sluice 600
check "the configuration is a conffile" grep -qx /etc/sluice/sluice.conf /var/lib/dpkg/info/sluice.conffiles
check "the configuration is valid" sluice --config /etc/sluice/sluice.conf check-config
check "the XSDs are installed" cmp /usr/share/sluice/schemas/receipt.xsd <(sluice schema receipt)
check "the unit is enabled" test -L /etc/systemd/system/multi-user.target.wants/sluice.service
check "sluice status as sluice (the installed configuration)" as sluice sluice status
check "a command that names its spool reads no installed configuration" bash -c "
	sluice --spool '$work/other' init && test -e '$work/other/ledger.db' -a -e '$work/other/link.secret'"
check "a command that names the installed spool reads the installed configuration: no second ledger or secret" bash -c "
	runuser -u sluice -- sluice --spool /var/spool/sluice init &&
	test ! -e /var/spool/sluice/ledger.db -a ! -e /var/spool/sluice/link.secret &&
	runuser -u sluice -- sluice --spool /var/spool/sluice/ status | grep -q '^spool /var/spool/sluice/$'"

echo "== a delivery by a member of the group"
useradd --system --no-create-home --groups sluice "$partner"
useradd --system --no-create-home "$outsider"
chmod 0755 "$work"
cp spool/examples/*.csv spool/examples/*.xml "$work/"
chmod 0644 "$work"/*.csv "$work"/*.xml
# deliver KIND FILE: as the partner, the safe way (write, then rename)
deliver() {
	as "$partner" sh -c "cp '$work/$2' /var/spool/sluice/in/$1/.$2.tmp &&
		mv /var/spool/sluice/in/$1/.$2.tmp /var/spool/sluice/in/$1/$2"
}
check "the partner delivers into in/orders/" deliver orders orders.csv
check "sluice status as the partner, a member of the group" as "$partner" sluice status
check "another user is refused (77)" bash -c "runuser -u $outsider -- sluice status >/dev/null 2>&1; [ \$? -eq 77 ]"
check "sluice run --once as sluice takes it" as sluice sluice run --once
check "its receipt says accepted" \
	grep -q '<status>accepted</status>' /var/spool/sluice/out/receipts/orders/orders.csv.receipt.xml
check "the partner reads the receipt" as "$partner" cat /var/spool/sluice/out/receipts/orders/orders.csv.receipt.xml
check "the partner reads the order" bash -c "runuser -u $partner -- sluice order show SL-1001 --json | grep -q SL-1001"

echo "== the unit"
unit=/lib/systemd/system/sluice.service
check "systemd-analyze verify" systemd-analyze verify "$unit"
systemd-analyze security --offline=true "$unit" >"$work/security.out" 2>&1
score=$(sed -n 's/.*Overall exposure level for sluice.service: \([0-9.]*\).*/\1/p' "$work/security.out")
echo "# systemd-analyze security: ${score:-none}"
grep '✗' "$work/security.out" | sed 's/^/# /'
check "systemd-analyze security: 2.0 or lower" awk -v s="${score:-99}" 'BEGIN { exit !(s <= 2.0) }'
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
check "ExecStart runs the installed binary with the installed configuration" \
	test "$exec_start" = "/usr/bin/sluice --config /etc/sluice/sluice.conf run"
run=$work/run
install -d -o sluice -m 0755 "$run"
python3 "$src/tests/notify_listen.py" "$run/notify" >"$work/notify.out" 2>&1 &
listener=$!
sleep 0.5
as sluice env NOTIFY_SOCKET="$run/notify" WATCHDOG_USEC=2000000 strace -f -qq -o "$run/trace" \
	$exec_start 2>"$work/daemon.err" &
daemon=$!
ready=no
for _ in $(seq 100); do
	grep -q 'READY=1' "$work/notify.out" && { ready=yes; break; }
	sleep 0.1
done
check "ExecStart as sluice says READY=1 to the notify socket" test $ready = yes
check "it pings the watchdog" bash -c "sleep 1.5; grep -q WATCHDOG=1 '$work/notify.out'"
deliver amendments amendments.csv
deliver shipments shipments.csv
deliver payments payments.xml
for _ in $(seq 200); do
	grep -qs '<status>accepted</status>' /var/spool/sluice/out/receipts/payments/payments.xml.receipt.xml &&
		break
	sleep 0.1
done
check "the daemon takes a shipment and its payment, and issues the invoice" \
	bash -c 'grep -q "<status>accepted</status>" /var/spool/sluice/out/receipts/payments/payments.xml.receipt.xml &&
		ls /var/spool/sluice/out/invoices/*.pdf >/dev/null'
kill -HUP "$(pgrep -u sluice -x sluice)"
sleep 0.5
kill -TERM "$(pgrep -u sluice -x sluice)"
wait "$daemon"
check "SIGTERM stops it with status 0" test $? -eq 0
kill "$listener" 2>/dev/null
sed 's/^/# /' "$work/daemon.err" | tail -5
if python3 "$src/tests/syscall_filter.py" "$unit" "$run/trace"; then
	ok "every system call the daemon made passes the unit's SystemCallFilter"
else
	fail "every system call the daemon made passes the unit's SystemCallFilter"
fi

echo "== reinstall, remove, purge"
ledger_sum=$(sqlite3 /var/lib/sluice/ledger.db 'SELECT count(*) FROM orders')
check "a reinstall keeps the ledger, the secret and the spool's modes" bash -c "
	secret=\$(sha256sum /var/lib/sluice/link.secret) &&
	apt-get install -y -qq --reinstall '$deb' >/dev/null &&
	[ \"\$(sha256sum /var/lib/sluice/link.secret)\" = \"\$secret\" ] &&
	[ \"\$(sqlite3 /var/lib/sluice/ledger.db 'SELECT count(*) FROM orders')\" = $ledger_sum ] &&
	[ \"\$(stat -c %a /var/spool/sluice/in/orders)\" = 2770 ]"
check "a configuration the administrator deleted: a reinstall still configures, says how to get it back, and that way does" bash -c "
	rm /etc/sluice/sluice.conf &&
	apt-get install -y -qq --reinstall '$deb' >'$work/confmiss.out' 2>&1 &&
	grep -q force-confmiss '$work/confmiss.out' && test ! -e /etc/sluice/sluice.conf &&
	apt-get install -y -qq --reinstall -o Dpkg::Options::=--force-confmiss '$deb' >/dev/null 2>&1 &&
	sluice --config /etc/sluice/sluice.conf check-config >/dev/null"
check "dpkg --remove" dpkg --remove sluice
check "remove keeps the configuration, the ledger and the spool" \
	test -e /etc/sluice/sluice.conf -a -e /var/lib/sluice/ledger.db -a -d /var/spool/sluice/archive
check "remove takes the binary" test ! -e /usr/bin/sluice
dpkg --purge sluice >"$work/purge.out" 2>&1
check "dpkg --purge" test $? -eq 0
sed 's/^/# /' "$work/purge.out"
check "purge removes the configuration" test ! -e /etc/sluice
check "purge removes the unit's enabling" test ! -L /etc/systemd/system/multi-user.target.wants/sluice.service
check "purge keeps the ledger, the secret, the archive and the documents" bash -c \
	'test -e /var/lib/sluice/ledger.db -a -e /var/lib/sluice/link.secret &&
		ls /var/spool/sluice/archive/*/* >/dev/null && ls /var/spool/sluice/out/invoices/*.xml >/dev/null'
check "purge says where they are" grep -q '/var/lib/sluice' "$work/purge.out"

echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
