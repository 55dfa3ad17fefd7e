# SPDX-License-Identifier: ISC
"""Shared harness of sluice's end-to-end tests.

Each test gets a throwaway spool (never a fixed path), drops files into it
the way integrators do, runs the real sluice binary, and reads receipts,
folders and `order show --json` back.  run_tap() runs the TestCase classes
of a test file and reports TAP, which automake's driver counts.
"""
import atexit
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import unittest
import xml.etree.ElementTree as ET

SLUICE = os.environ.get("SLUICE", "sluice")
SRCDIR = os.environ.get("SLUICE_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLES = os.path.join(SRCDIR, "spool", "examples")
NS = "{urn:sluice:1}"
KINDS = ["orders", "amendments", "cancellations", "shipments", "returns", "payments", "invoices",
         "actions"]


def local(tag):
    return tag.rsplit("}", 1)[-1]


NOBODY = 65534   # a user that is not root: root never meets EACCES


def _readable_suppressions():
    """Tests run sluice as NOBODY too, and a sanitizer build that cannot
    read its LeakSanitizer suppressions (in a source tree only root may
    enter) fails: the test process hands every sluice a copy anyone reads."""
    opts = os.environ.get("LSAN_OPTIONS", "")
    parts = opts.split(":")
    for i, p in enumerate(parts):
        if p.startswith("suppressions=") and os.path.exists(p[len("suppressions="):]):
            fd, copy = tempfile.mkstemp(prefix="sluice-lsan.", suffix=".supp")
            with os.fdopen(fd, "wb") as f, open(p[len("suppressions="):], "rb") as g:
                f.write(g.read())
            os.chmod(copy, 0o644)
            atexit.register(os.unlink, copy)
            parts[i] = "suppressions=" + copy
            os.environ["LSAN_OPTIONS"] = ":".join(parts)
            return


def as_user(uid):
    """The command prefix that runs a program as uid and gid uid, with no
    other groups."""
    return ["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups"]


def chown_tree(top, uid):
    """Gives top and everything below it to uid (and gid uid)."""
    os.chown(top, uid, uid)
    for d, dirs, files in os.walk(top):
        for n in dirs + files:
            os.lchown(os.path.join(d, n), uid, uid)


_readable_suppressions()


class Spool:
    """A spool in a temporary folder, with a configuration file."""

    def __init__(self, **config):
        self.dir = tempfile.mkdtemp(prefix="sluice-e2e.")
        self.root = os.path.join(self.dir, "spool")
        self.config = os.path.join(self.dir, "sluice.conf")
        settings = {"quiet_period": "0"}
        settings.update(config)
        with open(self.config, "w") as f:
            for k, v in settings.items():
                f.write("%s = %s\n" % (k, v))
        self.sluice("init", check=True)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def command(self, *args, user=None):
        """The command line of sluice on this spool; user: the uid (and
        gid) it runs as, instead of the test's."""
        return (as_user(user) if user is not None else []) + \
            [SLUICE, "--spool", self.root, "--config", self.config] + list(args)

    def sluice(self, *args, check=False, timeout=120, input=None, env=None, user=None):
        cmd = self.command(*args, user=user)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=input,
                           env=dict(os.environ, **env) if env else None)
        if check and r.returncode != 0:
            raise AssertionError("%s exited %d: %s" % (" ".join(args), r.returncode, r.stderr))
        return r

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def drop(self, kind, name, data, owner=None):
        """Writes a file under a hidden name and renames it into in/KIND/;
        owner: the uid (and gid) it then belongs to."""
        if isinstance(data, str):
            data = data.encode()
        tmp = self.path("in", kind, "." + name + ".tmp")
        if len(os.fsencode(os.path.basename(tmp))) > 255:   # a name near the limit
            tmp = self.path("in", kind, ".%s.tmp" % hashlib.sha256(os.fsencode(name)).hexdigest())
        with open(tmp, "wb") as f:
            f.write(data)
        if owner is not None:
            os.chown(tmp, owner, owner)
        os.rename(tmp, self.path("in", kind, name))

    def drop_example(self, kind, name, as_name=None):
        with open(os.path.join(EXAMPLES, name), "rb") as f:
            self.drop(kind, as_name or name, f.read())

    def run_once(self):
        r = self.sluice("run", "--once")
        if r.returncode != 0:
            raise AssertionError("run --once exited %d: %s" % (r.returncode, r.stderr))
        return r

    def receipt_path(self, name, kind=None, received_ns=None):
        """The path of the receipt of input name (a str, or bytes) of kind:
        out/receipts/KIND/ and the file name of receipt_file().  Without a
        kind, every kind's folder is searched, and exactly one must hold
        it."""
        fname = receipt_file(name, received_ns)
        if kind is not None:
            return os.path.join(self.path("out", "receipts", kind), fname)
        found = [p for p in (os.path.join(self.path("out", "receipts", k), fname) for k in KINDS)
                 if os.path.lexists(p)]
        assert len(found) == 1, "receipts of %r: %s" % (name, found)
        return found[0]

    def receipt_files(self):
        """The paths of every receipt, in every kind's folder."""
        return sorted(glob.glob(self.path("out", "receipts", "*", "*.receipt.xml")))

    def receipt(self, name, kind=None, received_ns=None):
        """The receipt of an input as a dict; errors as a list of dicts."""
        tree = ET.parse(self.receipt_path(name, kind, received_ns))
        root = tree.getroot()
        assert root.tag == NS + "receipt", root.tag
        out = {"errors": []}
        for child in root:
            if local(child.tag) == "error":
                out["errors"].append({local(c.tag): (c.text or "") for c in child})
            else:
                out[local(child.tag)] = child.text or ""
        return out

    def filed(self, where, name):
        """Paths under archive/ or rejected/ of files with this name."""
        found = []
        for dirpath, _, files in os.walk(self.path(where)):
            found += [os.path.join(dirpath, f) for f in files if f == name]
        return sorted(found)

    def order(self, number):
        r = self.sluice("order", "show", number, "--json")
        if r.returncode != 0:
            return None
        return json.loads(r.stdout)

    def status(self):
        return json.loads(self.sluice("status", "--json", check=True).stdout)


KIND_DIR = {"order": "orders", "amendment": "amendments", "cancellation": "cancellations",
            "shipment": "shipments", "payment": "payments", "return": "returns",
            "invoice": "invoices"}


class SpoolTest(unittest.TestCase):
    """Tests that each get a fresh spool with the default configuration,
    self.s."""

    def setUp(self):
        self.s = Spool()

    def tearDown(self):
        self.s.close()


class Steps(unittest.TestCase):
    """Tests that drop files into a fresh spool one at a time.  Whatever a
    test did, the ledger must then equal what its journal gives."""

    def setUp(self):
        self.s = Spool()
        self.n = 0

    def tearDown(self):
        try:
            r = self.s.sluice("audit")
            self.assertEqual(r.returncode, 0, r.stdout)
        finally:
            self.s.close()

    def step(self, kind, text, expect="accepted", ext="csv"):
        """Drops one file into the folder of kind (its name, or the
        singular), processes it, checks its outcome; returns the receipt."""
        self.n += 1
        name = "%03d-%s.%s" % (self.n, kind, ext)
        self.s.drop(KIND_DIR.get(kind, kind), name, text)
        self.s.run_once()
        r = self.s.receipt(name)
        self.assertEqual(r["status"], expect, "%s: %s" % (name, r["errors"]))
        return r


def receipt_file(name, received_ns=None):
    """The file name of an input's receipt (doc/contract.md 4.1):
    NAME.receipt.xml, or for an input decided after a newer one of its name
    arrived, NAME.RECEIVED.receipt.xml with its time of receipt as
    20261127T145501.123456789Z.  When that is longer than 255 bytes, NAME
    is cut at a UTF-8 character boundary and followed by ~ and the first 16
    hex digits of the SHA-256 of the whole name.  A name that ends in ~ and
    16 lower-case hex digits, or in such a time of receipt, is followed by
    ~ and its digest too."""
    raw = name if isinstance(name, bytes) else os.fsencode(name)
    suffix = b".receipt.xml"
    if received_ns is not None:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(received_ns // 10**9))
        suffix = (".%s.%09dZ" % (stamp, received_ns % 10**9)).encode() + suffix
    derived = re.search(rb"(~[0-9a-f]{16}|\.[0-9]{8}T[0-9]{6}\.[0-9]{9}Z)\Z", raw)
    if len(raw) + len(suffix) > 255 or derived:
        cut = min(255 - len(suffix) - 17, len(raw))
        for _ in range(3):
            if 0 < cut < len(raw) and raw[cut] & 0xC0 == 0x80:
                cut -= 1
        raw = raw[:cut] + b"~" + hashlib.sha256(raw).hexdigest()[:16].encode()
    return os.fsdecode(raw + suffix)


def sha(data):
    """The SHA-256 of bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


def codes(receipt):
    """The (line, field, code) of every error of a receipt."""
    return {(int(e["line"]), e.get("field"), e["code"]) for e in receipt["errors"]}


def read(path):
    with open(path, "rb") as f:
        return f.read()


class _TapResult(unittest.TestResult):
    """Prints one TAP line per test as it finishes."""

    def __init__(self):
        super().__init__()
        self.n = 0
        self.bad = 0
        self.current = []

    def startTest(self, test):
        super().startTest(test)
        self.current = []

    def addError(self, test, err):
        super().addError(test, err)
        self.current.append(self._exc_info_to_string(err, test))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.current.append(self._exc_info_to_string(err, test))

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.current.append("%s\n%s" % (subtest.id(), self._exc_info_to_string(err, test)))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.current.append(None)
        self.skip_reason = reason

    def stopTest(self, test):
        super().stopTest(test)
        self.n += 1
        name = test.id().split(".", 1)[-1]
        if self.current and self.current[0] is None:
            print("ok %d - %s # SKIP %s" % (self.n, name, self.skip_reason))
        elif self.current:
            self.bad += 1
            print("not ok %d - %s" % (self.n, name))
            for problem in self.current:
                for line in problem.rstrip().splitlines()[-12:]:
                    print("# " + line)
        else:
            print("ok %d - %s" % (self.n, name))
        sys.stdout.flush()


def run_tap():
    """Runs every test of the calling module and prints TAP."""
    suite = unittest.TestLoader().loadTestsFromModule(sys.modules["__main__"])
    print("1..%d" % suite.countTestCases())
    result = _TapResult()
    suite.run(result)
    # errors of class or module fixtures belong to no single test
    fixture_errors = [e for e in result.errors if not isinstance(e[0], unittest.TestCase)]
    for _, tb in fixture_errors:
        for line in tb.rstrip().splitlines():
            print("# " + line)
    sys.exit(1 if result.bad or fixture_errors else 0)
