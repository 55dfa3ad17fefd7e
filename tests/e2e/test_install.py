# SPDX-License-Identifier: ISC
"""What make install and the Debian package put in place, as this build
made it: the configuration (every key at its default but those that place
the files), the systemd unit (the binary and configuration it names, the
paths it lets the daemon write), the sysusers.d and tmpfiles.d files that
make the user and the folders of those paths; and the XSDs that sluice
schema prints.  tests/package.sh installs the package itself."""
import os
import re
import subprocess
import unittest

from harness import SLUICE, SRCDIR, read, run_tap

BUILD = os.path.dirname(os.path.abspath(SLUICE))
SYSTEM = os.path.join(BUILD, "system")
OUTPUTS = ["receipt", "invoice", "proforma", "document-common", "payment_request", "payment_link"]
PLACES = ["spool", "ledger", "link_secret_file"]


def sluice(*args):
    return subprocess.run([SLUICE] + list(args), capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, SLUICE_CONFIG=""))


def settings(path):
    """check-config's key = value lines for the configuration at path."""
    r = sluice("--config", path, "check-config")
    if r.returncode != 0:
        raise AssertionError(r.stderr)
    return dict(line.split(" = ", 1) for line in r.stdout.splitlines()[1:])


def makefile_var(name):
    m = re.search(r"^%s = (.*)$" % name, read(os.path.join(BUILD, "Makefile")).decode(), re.M)
    return m.group(1)


def unit_values(key):
    values = []
    for line in read(os.path.join(SYSTEM, "sluice.service")).decode().splitlines():
        if line.startswith(key + "="):
            values += line[len(key) + 1:].split()
    return values


def inside(path, folders):
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


class Schemas(unittest.TestCase):
    def test_every_output_xsd_is_printed_as_its_file(self):
        for name in OUTPUTS:
            r = sluice("schema", name)
            self.assertEqual(r.returncode, 0, name)
            self.assertEqual(r.stdout, read(os.path.join(SRCDIR, "schemas", name + ".xsd")).decode(), name)

    def test_every_xsd_in_the_tree_is_printed(self):
        names = sorted(f[:-4] for f in os.listdir(os.path.join(SRCDIR, "schemas")) if f.endswith(".xsd"))
        for name in names:
            self.assertEqual(sluice("schema", name).returncode, 0, name)

    def test_an_unknown_name_is_a_bad_usage(self):
        for name in ("receipts", "document-common.xsd", "../schemas/receipt", "", "RECEIPT"):
            r = sluice("schema", name)
            self.assertEqual(r.returncode, 2, name)
            self.assertEqual(r.stdout, "")
            self.assertIn("unknown schema", r.stderr)


class Configuration(unittest.TestCase):
    conf = os.path.join(SYSTEM, "sluice.conf")

    def test_it_is_valid_and_places_the_files_under_localstatedir(self):
        got = settings(self.conf)
        var = makefile_var("localstatedir").replace("${prefix}", makefile_var("prefix"))
        self.assertEqual(got["spool"], os.path.join(var, "spool", "sluice"))
        self.assertEqual(got["ledger"], os.path.join(var, "lib", "sluice", "ledger.db"))
        self.assertEqual(got["link_secret_file"], os.path.join(var, "lib", "sluice", "link.secret"))

    def test_every_other_key_is_there_at_its_default(self):
        text = read(self.conf).decode()
        uncommented = os.path.join(os.environ.get("TMPDIR", "/tmp"), "sluice-conf-%d" % os.getpid())
        with open(uncommented, "w") as f:
            f.write(re.sub(r"^# ([a-z_]+ =)", r"\1", text, flags=re.M))
        try:
            got = settings(uncommented)
        finally:
            os.unlink(uncommented)
        defaults = settings("")
        self.assertEqual(sorted(got), sorted(defaults))
        for key, value in defaults.items():
            if key not in PLACES:
                self.assertEqual(got[key], value, key)
            # each key once, set or commented out
            self.assertEqual(len(re.findall(r"^(# )?%s =" % key, text, re.M)), 1, key)


class Unit(unittest.TestCase):
    def test_it_runs_the_installed_binary_with_the_installed_configuration(self):
        bindir = makefile_var("bindir").replace("${exec_prefix}", makefile_var("exec_prefix")) \
            .replace("${prefix}", makefile_var("prefix"))
        conf = makefile_var("sysconfdir").replace("${prefix}", makefile_var("prefix"))
        self.assertEqual(unit_values("ExecStart"),
                         [os.path.join(bindir, "sluice"), "--config", conf + "/sluice/sluice.conf", "run"])
        self.assertEqual(unit_values("Type"), ["notify"])
        self.assertEqual(unit_values("User"), ["sluice"])
        self.assertEqual(unit_values("ExecReload"), ["/bin/kill", "-HUP", "$MAINPID"])

    def test_it_may_write_every_file_of_the_configuration_and_waits_for_their_mounts(self):
        got = settings(os.path.join(SYSTEM, "sluice.conf"))
        writable = unit_values("ReadWritePaths")
        mounts = unit_values("RequiresMountsFor")
        self.assertEqual(unit_values("ProtectSystem"), ["strict"])
        self.assertEqual(unit_values("StateDirectory"), [], "a state folder would not follow localstatedir")
        for key in PLACES:
            self.assertTrue(inside(got[key], writable), (key, got[key], writable))
            self.assertTrue(inside(got[key], mounts), (key, got[key], mounts))

    def test_it_is_hardened(self):
        for key, value in (("NoNewPrivileges", "yes"), ("CapabilityBoundingSet", None),
                           ("UMask", "0027"), ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
                           ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),
                           ("SystemCallFilter", "@system-service ~@privileged @resources"),
                           ("WatchdogSec", "60")):
            self.assertEqual(unit_values(key), value.split() if value else [], key)
        self.assertEqual(unit_values("PrivateNetwork"), [])


class SystemdFiles(unittest.TestCase):
    def test_they_go_under_the_prefix_unless_it_is_systemds(self):
        # systemd reads PREFIX/lib/systemd/system, sysusers.d and tmpfiles.d
        # too: a make install under /usr/local must not replace (and its
        # uninstall remove) the files of a distribution's package
        prefix = makefile_var("prefix")
        r = subprocess.run(["pkg-config", "--variable=prefix", "systemd"], capture_output=True, text=True)
        systemds = r.returncode == 0 and r.stdout.strip() == prefix
        for var in ("systemdsystemunitdir", "sysusersdir", "tmpfilesdir"):
            got = makefile_var(var).replace("${prefix}", prefix)
            if systemds:
                want = subprocess.run(["pkg-config", "--variable=" + var, "systemd"], check=True,
                                      capture_output=True, text=True).stdout.strip()
                self.assertEqual(got, want, var)
            else:
                self.assertTrue(got.startswith(prefix + "/lib/"), (var, got))

    def test_the_user_and_the_folders_are_those_of_the_configuration(self):
        got = settings(os.path.join(SYSTEM, "sluice.conf"))
        state = os.path.dirname(got["ledger"])
        users = [line.split() for line in read(os.path.join(SYSTEM, "sysusers.d", "sluice.conf")).decode()
                 .splitlines() if line and not line.startswith("#")]
        self.assertEqual(users, [["u", "sluice", "-", '"sluice', "order", 'back', 'office"', state]])
        folders = [line.split() for line in read(os.path.join(SYSTEM, "tmpfiles.d", "sluice.conf")).decode()
                   .splitlines() if line and not line.startswith("#")]
        self.assertEqual(folders, [["d", got["spool"], ":0750", ":sluice", ":sluice", "-"],
                                   ["d", state, ":0750", ":sluice", ":sluice", "-"]])
        self.assertEqual(os.path.dirname(got["link_secret_file"]), state)


if __name__ == "__main__":
    run_tap()
