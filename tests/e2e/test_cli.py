# SPDX-License-Identifier: ISC
"""The command line: help and usage, exit statuses, check, submit,
check-config, schema, status; the XSDs against real files; the ledger's
integrity after processing."""
import glob
import json
import os
import re
import sqlite3
import subprocess
import unittest

from harness import Spool, SpoolTest, SLUICE, SRCDIR, EXAMPLES, read, run_tap

XMLLINT = os.environ.get("XMLLINT") or "xmllint"
KINDS = ["orders", "amendments", "cancellations", "shipments", "payments", "returns", "invoices",
         "actions"]
# Every command is one file in pipeline/cmd/ (check_config.c: check-config)
# that defines its entry (main.c: the global options, cmd.c: what commands
# share, table.c: their table, bulk_*.c: the parts of bulk are not).
CMD_DIR = os.path.join(SRCDIR, "pipeline", "cmd")
COMMANDS = sorted(f[:-2].replace("_", "-") for f in os.listdir(CMD_DIR)
                  if f.endswith(".c") and re.search(r"^const struct cmd_entry cmd_\w+_entry = \{",
                                                   open(os.path.join(CMD_DIR, f)).read(), re.M))
# commands that must not go away
KEPT = ["init", "run", "check", "submit", "order", "status", "schema", "check-config"]


def sluice(*args, **kw):
    return subprocess.run([SLUICE] + list(args), capture_output=True, text=True, timeout=60, **kw)


def listed_commands():
    """The commands sluice --help lists (the command table), in its order."""
    out = sluice("--help").stdout
    section = out.split("\ncommands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in section.splitlines()]


class Usage(unittest.TestCase):
    def test_version_and_help(self):
        r = sluice("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^sluice \d+\.\d+\.\d+\n$")
        r = sluice("--help")
        self.assertEqual(r.returncode, 0)
        for c in KEPT + COMMANDS:
            self.assertIn(c, r.stdout)
        # each command file is in the table, once, and nothing else is
        self.assertEqual(sorted(listed_commands()), COMMANDS)

    def test_every_command_has_help(self):
        for c in sorted(set(COMMANDS) | set(listed_commands())):
            r = sluice(c, "--help")
            self.assertEqual(r.returncode, 0, c)
            self.assertTrue(r.stdout.startswith("usage: sluice " + c), r.stdout)

    def test_bad_usage_exits_2(self):
        for args in (["frobnicate"], [], ["status", "--bogus"], ["run", "extra"],
                     ["order", "list"], ["schema"], ["schema", "widgets"], ["submit", "orders"],
                     ["submit", "widgets", "x.csv"], ["--bogus", "status"], ["check"]):
            self.assertEqual(sluice(*args).returncode, 2, args)


class Commands(SpoolTest):
    def test_init_is_idempotent(self):
        self.s.drop_example("orders", "orders.csv")
        self.s.run_once()
        r = self.s.sluice("init")
        self.assertEqual(r.returncode, 0)
        self.assertIsNotNone(self.s.order("SL-1001"))

    def test_commands_need_an_initialised_spool(self):
        missing = os.path.join(self.s.dir, "nowhere")
        for args in (["run", "--once"], ["status"], ["order", "show", "X"]):
            r = sluice("--spool", missing, *args)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn("sluice init", r.stderr)

    def test_a_damaged_ledger_stops_sluice_clearly(self):
        self.s.drop_example("orders", "orders.csv")
        self.s.run_once()
        path = self.s.path("ledger.db")
        data = bytearray(read(path))
        for page in range(1, len(data) // 4096):
            data[page * 4096:page * 4096 + 8] = b"\xff" * 8
        with open(path, "wb") as f:
            f.write(bytes(data))
        r = self.s.sluice("run", "--once")
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertIn("restore it from a backup", r.stderr)
        self.assertNotIn("Sanitizer", r.stderr)

    def test_unknown_order_exits_1(self):
        r = self.s.sluice("order", "show", "NOPE-1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no order NOPE-1", r.stderr)
        self.assertEqual(self.s.sluice("order", "show", "NOPE-1", "--json").returncode, 1)

    def test_order_show_text(self):
        self.s.drop_example("orders", "orders.xml")
        self.s.run_once()
        r = self.s.sluice("order", "show", "SL-1004")
        self.assertEqual(r.returncode, 0)
        for text in ("SL-1004", "KWD", "14.438", "BAG-LEATHER", "order_received", "orders.xml"):
            self.assertIn(text, r.stdout)

    def test_check_applies_nothing(self):
        good = os.path.join(EXAMPLES, "orders.csv")
        bad = os.path.join(EXAMPLES, "orders-broken.csv")
        r = self.s.sluice("check", good)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("orders.csv: accepted (2 records)", r.stdout)
        r = self.s.sluice("check", "--kind", "orders", os.path.join(self.s.dir, "gone.csv"), good)
        self.assertEqual(r.returncode, 1)
        self.assertIn("gone.csv: cannot be opened: No such file or directory", r.stdout)
        self.assertIn("orders.csv: accepted (2 records)", r.stdout)
        r = self.s.sluice("check", good, bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("orders-broken.csv:2: quantity: invalid_quantity:", r.stdout)
        self.assertIn("orders-broken.csv:3: email: invalid_email:", r.stdout)
        self.assertIsNone(self.s.order("SL-1001"))
        self.assertEqual(self.s.status()["inputs"]["accepted"], 0)
        # against the ledger: once applied, the same orders are duplicates
        self.s.drop_example("orders", "orders.csv")
        self.s.run_once()
        r = self.s.sluice("check", good)
        self.assertIn("orders.csv: duplicate", r.stdout)

    def test_check_tells_the_kind(self):
        r = self.s.sluice("check", os.path.join(EXAMPLES, "orders.xml"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        other = os.path.join(self.s.dir, "data.txt")
        with open(other, "w") as f:
            f.write("nothing to see\n")
        r = self.s.sluice("check", other)
        self.assertEqual(r.returncode, 1)
        self.assertIn("use --kind", r.stderr)
        r = self.s.sluice("check", "--kind", "orders", other)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown_format", r.stdout)

    def test_submit_is_safe(self):
        src = os.path.join(EXAMPLES, "orders.csv")
        r = self.s.sluice("submit", "orders", src)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(read(self.s.path("in", "orders", "orders.csv")), read(src))
        # never replaces a file of that name still waiting
        r = self.s.sluice("submit", "orders", src)
        self.assertEqual(r.returncode, 1)
        self.assertIn("still waiting", r.stderr)
        self.assertEqual(os.listdir(self.s.path("in", "orders")), ["orders.csv"])
        hidden = os.path.join(self.s.dir, "x.csv.part")
        with open(hidden, "w") as f:
            f.write("x")
        self.assertEqual(self.s.sluice("submit", "orders", hidden).returncode, 1)
        self.s.run_once()
        self.assertEqual(self.s.receipt("orders.csv")["status"], "accepted")

    def test_status(self):
        self.s.drop_example("orders", "orders.csv")
        self.s.drop_example("orders", "orders-broken.csv")
        self.s.run_once()
        self.s.drop_example("orders", "orders.xml")
        st = self.s.status()
        self.assertEqual(st["inputs"], {"accepted": 1, "duplicate": 0, "deferred": 0, "rejected": 1})
        self.assertEqual(st["backlog"]["orders"], {"waiting": 1, "claimed": 0})
        self.assertEqual(st["last_errors"][0]["file"], "orders-broken.csv")
        self.assertEqual(st["last_errors"][0]["code"], "invalid_quantity")
        r = self.s.sluice("status")
        self.assertIn("1 accepted", r.stdout)
        self.assertIn("orders-broken.csv", r.stdout)

    def test_ledger_integrity_after_processing(self):
        for name in ("orders.csv", "orders.xml", "orders-broken.csv"):
            self.s.drop_example("orders", name)
        self.s.run_once()
        db = sqlite3.connect(self.s.path("ledger.db"))
        self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
        self.assertEqual(db.execute("PRAGMA foreign_key_check").fetchall(), [])
        self.assertEqual(db.execute("PRAGMA journal_mode").fetchone()[0], "wal")
        # the journal is append-only
        with self.assertRaises(sqlite3.DatabaseError):
            db.execute("DELETE FROM journal")
        with self.assertRaises(sqlite3.DatabaseError):
            db.execute("UPDATE journal SET type = 'x'")
        db.close()


class LogLines(SpoolTest):
    def test_an_outcome_is_logged_with_its_input_id_and_first_code(self):
        self.s.drop("orders", "a.csv", "order_number,order_date\nX-1,2026-11-17T09:00:00Z\n")
        self.s.drop("shipments", "b.csv", "shipment_id,order_number,line_id,quantity\n"
                    "SH-1,X-9,1,1\n")
        r = self.s.run_once()
        lines = r.stderr.splitlines()
        self.assertIn("sluice: warning: orders/a.csv: input 1 rejected with 13 errors; first: "
                      "line 1: market: missing_field: the header row has no column market, which "
                      "orders require", lines)
        self.assertIn("sluice: info: shipments/b.csv: input 2 deferred: order_unknown: order X-9 "
                      "is not known yet; the file waits for it", lines)
        ids = {row[0]: row[1] for row in sqlite3.connect(self.s.path("ledger.db")).execute(
            "SELECT name, id FROM inputs")}
        self.assertEqual(ids, {"a.csv": 1, "b.csv": 2})


class Configuration(SpoolTest):
    def write(self, text):
        path = os.path.join(self.s.dir, "test.conf")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_check_config_prints_every_key(self):
        path = self.write("# comment\nquiet_period = 500ms\nmax_file_size = 2MiB\n\nbatch_files=8\n")
        for args in (["--config", path, "check-config"], ["--config", path, "-n"]):
            r = sluice(*args)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("quiet_period = 500ms", r.stdout)
            self.assertIn("max_file_size = 2097152", r.stdout)
            self.assertIn("batch_files = 8", r.stdout)
            self.assertIn("default_order_status = confirmed", r.stdout)

    def test_bad_configuration_names_each_line(self):
        path = self.write("quiet_period = soon\nbogus = 1\nmax_errors = 0\nnot a pair\n"
                          "default_order_status = shipped\n")
        r = sluice("--config", path, "check-config")
        self.assertEqual(r.returncode, 78)
        for line in (1, 2, 3, 4, 5):
            self.assertIn("test.conf:%d:" % line, r.stderr)
        self.assertEqual(sluice("--config", path, "status").returncode, 78)
        self.assertEqual(sluice("--config", os.path.join(self.s.dir, "missing.conf"), "-n").returncode, 78)

    def test_environment_names_the_configuration(self):
        path = self.write("batch_files = 9\n")
        r = sluice("check-config", env=dict(os.environ, SLUICE_CONFIG=path))
        self.assertIn("batch_files = 9", r.stdout)

    def test_a_machine_without_fonts_is_named_before_anything_runs(self):
        fonts = self.write('<?xml version="1.0"?>\n<fontconfig><cachedir>%s</cachedir></fontconfig>\n'
                           % self.s.dir)
        self.s.drop_example("orders", "orders.csv")
        r = self.s.sluice("run", "--once", env={"FONTCONFIG_FILE": fonts})
        self.assertEqual(r.returncode, 78)
        self.assertIn('the font "DejaVu Sans 9" cannot be loaded', r.stderr)
        self.assertEqual(self.s.receipt_files(), [])
        self.s.run_once()
        self.assertEqual(self.s.receipt("orders.csv")["status"], "accepted")

    def test_default_status_from_configuration(self):
        with Spool(default_order_status="pending") as s:
            s.drop_example("orders", "orders.xml")
            s.run_once()
            self.assertEqual(s.order("SL-1003")["status"], "pending")


class Schemas(unittest.TestCase):
    def test_schema_command_matches_the_files(self):
        for k in KINDS:
            r = sluice("schema", k)
            self.assertEqual(r.returncode, 0)
            self.assertEqual(r.stdout, read(os.path.join(SRCDIR, "schemas", k + ".xsd")).decode(), k)

    def xmllint(self, xsd, path):
        return subprocess.run([XMLLINT, "--noout", "--nonet", "--schema", xsd, path],
                              capture_output=True, text=True)

    def test_examples_validate_with_xmllint(self):
        r = self.xmllint(os.path.join(SRCDIR, "schemas", "orders.xsd"), os.path.join(EXAMPLES, "orders.xml"))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_receipts_validate_with_xmllint(self):
        with Spool() as s:
            for name in ("orders.csv", "orders-broken.csv"):
                s.drop_example("orders", name)
            os.mkfifo(s.path("in", "orders", "odd\x01name.csv"))
            s.run_once()
            receipts = s.receipt_files()
            self.assertEqual(len(receipts), 3)
            for path in receipts:
                r = self.xmllint(os.path.join(SRCDIR, "schemas", "receipt.xsd"), path)
                self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    run_tap()
