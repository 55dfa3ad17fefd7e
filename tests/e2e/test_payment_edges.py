# SPDX-License-Identifier: ISC
"""End-to-end tests of the payment edges a hostile sender or a careless
operator reaches: the link secret, link tokens, payment events that name
another order's request or link, and archiving an order whose payment
business is not over."""
import os
import re
import stat
import unittest

from harness import NOBODY, Spool, SpoolTest, chown_tree, codes, read, run_tap
from lifecycle_util import amendment, cancellation, order, payment, shipment

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def order_with_link(s, number="T-1"):
    """An order of 10.00 amended by 5.00 more: its link's token."""
    s.drop("orders", "o-%s.csv" % number, order(number, "EUR", True, "10.00", [(1, 1, "10.00", "20")]))
    s.drop("amendments", "a-%s.csv" % number, amendment("AM-" + number, number, [(2, 1, "5.00", "20")]))
    s.run_once()
    return re.search(r"<token>(.*)</token>", read(s.path("out", "links", "LINK-%s-1.xml" % number)).decode()).group(1)


class LinkSecret(unittest.TestCase):
    def setUp(self):
        self.s = Spool()
        self.secret = self.s.path("link.secret")

    def tearDown(self):
        self.s.close()

    def assert_refused(self, r, words):
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertIn(words, r.stderr)
        self.assertIn(self.secret, r.stderr)

    def test_init_creates_a_private_secret(self):
        st = os.stat(self.secret)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertGreaterEqual(len(read(self.secret).strip()), 32)

    def test_run_refuses_to_start_without_the_secret(self):
        os.unlink(self.secret)
        self.s.drop("orders", "o.csv", order("S-1", "EUR", True, "10.00", [(1, 1, "10.00", "20")]))
        self.assert_refused(self.s.sluice("run", "--once"), "No such file")
        self.assert_refused(self.s.sluice("run"), "No such file")
        # nothing was taken
        self.assertTrue(os.path.exists(self.s.path("in", "orders", "o.csv")))
        self.assertIsNone(self.s.order("S-1"))
        # init makes a new one, and sluice runs
        self.s.sluice("init", check=True)
        self.s.run_once()
        self.assertEqual(self.s.receipt("o.csv")["status"], "accepted")

    def test_a_short_or_empty_secret_is_refused(self):
        for text in (b"", b"\n", b"0123456789abcdef0123456789abcde\n", b" " * 40 + b"\n",
                     b"0123456789abcdef 0123456789abcdef\n"):
            with open(self.secret, "wb") as f:
                f.write(text)
            self.assert_refused(self.s.sluice("run", "--once"), "secret")
            self.assertNotEqual(self.s.sluice("init").returncode, 0)
        with open(self.secret, "wb") as f:
            f.write(b"0123456789abcdef0123456789abcdef\n")
        self.s.run_once()

    def test_replay_refuses_without_the_secret(self):
        folder = os.path.join(self.s.dir, "old")
        os.mkdir(folder)
        with open(os.path.join(folder, "o.csv"), "w") as f:
            f.write(order("S-2", "EUR", True, "10.00", [(1, 1, "10.00", "20")]))
        os.unlink(self.secret)
        r = self.s.sluice("replay", "--kind", "orders", folder)
        self.assert_refused(r, "secret")
        self.assertIsNone(self.s.order("S-2"))

    def test_a_secret_the_daemons_user_cannot_read_is_refused(self):
        os.chmod(self.s.dir, 0o755)
        chown_tree(self.s.dir, NOBODY)
        os.chown(self.secret, 0, 0)   # root's, mode 0600
        r = self.s.sluice("run", "--once", user=NOBODY)
        self.assert_refused(r, "Permission denied")
        os.chown(self.secret, NOBODY, NOBODY)
        r = self.s.sluice("run", "--once", user=NOBODY)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_link_verify_names_a_missing_secret(self):
        os.unlink(self.secret)
        r = self.s.sluice("link", "verify", "v1.aaaa.bbbb")
        self.assert_refused(r, "No such file")


class Tokens(unittest.TestCase):
    def setUp(self):
        self.s = Spool()
        self.token = order_with_link(self.s)

    def tearDown(self):
        self.s.close()

    def verdict(self, token):
        return self.s.sluice("link", "verify", token).stdout.split(":")[0]

    def test_every_change_of_the_last_character_fails(self):
        self.assertEqual(self.verdict(self.token), "valid")
        head, payload, mac = self.token.split(".")
        # the last character of each part carries padding bits that a
        # lenient decoder ignores
        for c in B64URL:
            if c != mac[-1]:
                self.assertEqual(self.verdict(".".join([head, payload, mac[:-1] + c])), "invalid", c)
            if c != payload[-1]:
                self.assertEqual(self.verdict(".".join([head, payload[:-1] + c, mac])), "invalid", c)

    def test_changed_tokens_pay_nothing(self):
        head, payload, mac = self.token.split(".")
        for i, tok in enumerate([self.token + "A", self.token[:-1],
                                 ".".join([head, payload, mac[:-1] + ("A" if mac[-1] != "A" else "B")])]):
            name = "p%d.csv" % i
            self.s.drop("payments", name, payment("EV-%d" % i, "T-1", "authorization", "5.00", "EUR", tok))
            self.s.run_once()
            self.assertEqual(codes(self.s.receipt(name)), {(2, "request_id", "invalid_token")}, tok)
        self.assertEqual(self.s.order("T-1")["authorized"], "10.00")


class PaymentTargets(unittest.TestCase):
    """A payment event names a request or link that is not its order's."""

    def setUp(self):
        self.s = Spool()
        self.token = order_with_link(self.s, "A-1")
        order_with_link(self.s, "B-1")
        self.s.drop("shipments", "s.csv", shipment("SH-A", "A-1", [(1, 1)]))
        self.s.run_once()
        self.assertTrue(os.path.exists(self.s.path("out", "captures", "CAP-SH-A.xml")))

    def tearDown(self):
        self.s.close()

    def verdict(self, name, event):
        self.s.drop("payments", name, event)
        self.s.run_once()
        return self.s.receipt(name)

    def test_a_capture_request_of_another_order_is_rejected_at_once(self):
        r = self.verdict("p.csv", payment("EV-1", "B-1", "capture", "10.00", "EUR", "CAP-SH-A"))
        self.assertEqual(r["status"], "rejected")
        self.assertEqual(codes(r), {(2, "request_id", "wrong_order")})
        self.assertIn("A-1", r["errors"][0]["message"])

    def test_a_link_of_another_order_is_rejected_at_once(self):
        r = self.verdict("p.csv", payment("EV-2", "B-1", "authorization", "5.00", "EUR", "LINK-A-1-1"))
        self.assertEqual((r["status"], codes(r)), ("rejected", {(2, "request_id", "wrong_order")}))
        r = self.verdict("t.csv", payment("EV-3", "B-1", "authorization", "5.00", "EUR", self.token))
        self.assertEqual((r["status"], codes(r)), ("rejected", {(2, "request_id", "wrong_order")}))
        self.assertEqual(self.s.order("B-1")["authorized"], "10.00")
        self.assertEqual(self.s.order("A-1")["authorized"], "10.00")

    def test_a_token_of_another_orders_link_in_another_currency_is_the_wrong_order(self):
        self.s.drop("orders", "c.csv", order("C-1", "SEK", True, "50.00", [(1, 1, "50.00", "25")]))
        self.s.run_once()
        r = self.verdict("t.csv", payment("EV-7", "C-1", "authorization", "5.00", "SEK", self.token))
        self.assertEqual((r["status"], codes(r)), ("rejected", {(2, "request_id", "wrong_order")}))
        self.assertIn("A-1", r["errors"][0]["message"])

    def test_check_without_the_secret_says_the_token_cannot_be_checked(self):
        path = os.path.join(self.s.dir, "pay.csv")
        with open(path, "w") as f:
            f.write(payment("EV-8", "A-1", "authorization", "5.00", "EUR", self.token))
        r = self.s.sluice("check", "--kind", "payments", path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        os.rename(self.s.path("link.secret"), self.s.path("link.secret.away"))
        r = self.s.sluice("check", "--kind", "payments", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot be checked", r.stdout + r.stderr)
        self.assertNotIn("not issued by this spool", r.stdout + r.stderr)

    def test_an_authorization_naming_a_capture_request_is_a_mismatch(self):
        r = self.verdict("p.csv", payment("EV-4", "A-1", "authorization", "10.00", "EUR", "CAP-SH-A"))
        self.assertEqual((r["status"], codes(r)), ("rejected", {(2, "type", "request_mismatch")}))

    def test_a_capture_naming_a_link_is_a_mismatch(self):
        r = self.verdict("p.csv", payment("EV-5", "A-1", "capture", "5.00", "EUR", "LINK-A-1-1"))
        self.assertEqual((r["status"], codes(r)), ("rejected", {(2, "type", "request_mismatch")}))

    def test_a_request_id_that_is_neither_id_nor_token_is_refused_at_once(self):
        for i, bad in enumerate(["V1." + "a" * 80, "CAP-" + "x" * 65, "v1-" + "a" * 70,
                                "LINK-" + "x" * 65 + "-1", "LINK-" + "x" * 60 + "-1x"]):
            name = "bad%d.csv" % i
            r = self.verdict(name, payment("EV-B%d" % i, "A-1", "capture", "5.00", "EUR", bad))
            self.assertEqual((r["status"], codes(r)), ("rejected", {(2, "request_id", "invalid_id")}), bad)

    def test_an_unknown_request_still_waits(self):
        r = self.verdict("p.csv", payment("EV-6", "A-1", "capture", "5.00", "EUR", "CAP-SH-LATER"))
        self.assertEqual((r["status"], codes(r)), ("deferred", {(2, "request_id", "request_unknown")}))


class Archiving(SpoolTest):
    def archive(self, number):
        return self.s.sluice("order", "archive", number)

    def test_a_pending_release_stops_archiving_until_answered(self):
        self.s.drop("orders", "o.csv", order("C-1", "EUR", True, "10.00", [(1, 1, "10.00", "20")]))
        self.s.drop("cancellations", "c.csv", cancellation("CX-1", "C-1", whole=True))
        self.s.run_once()
        self.assertEqual(self.s.order("C-1")["status"], "cancelled")
        r = self.archive("C-1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("REL-C-1", r.stderr)
        self.assertEqual(self.s.order("C-1")["status"], "cancelled")
        # the PSP's answer still finds the order
        self.s.drop("payments", "p.csv", payment("EV-R", "C-1", "release", "10.00", "EUR", "REL-C-1"))
        self.s.run_once()
        self.assertEqual(self.s.receipt("p.csv")["status"], "accepted")
        self.assertEqual(self.archive("C-1").returncode, 0)
        self.assertEqual(self.s.order("C-1")["status"], "archived")

    def test_cancelling_what_a_link_was_for_voids_it(self):
        token = order_with_link(self.s, "L-1")
        self.s.drop("shipments", "s.csv", shipment("SH-L", "L-1", [(1, 1)], shipped=True))
        self.s.drop("cancellations", "c.csv", cancellation("CX-L", "L-1", [(2, 1)]))
        self.s.run_once()
        self.s.drop("payments", "p.csv", payment("EV-C", "L-1", "capture", "10.00", "EUR", "CAP-SH-L"))
        self.s.run_once()
        # line 2 (what the link was for) cancelled: nothing is due, so the
        # link is void, and the order completed
        o = self.s.order("L-1")
        self.assertEqual((o["status"], o["due"], o["links"][0]["status"]),
                         ("completed", "0.00", "void"))
        self.assertEqual(self.s.sluice("link", "verify", token).stdout.split(":")[0], "void")
        self.assertEqual(self.archive("L-1").returncode, 0)
        self.assertEqual(self.s.order("L-1")["status"], "archived")


if __name__ == "__main__":
    run_tap()
