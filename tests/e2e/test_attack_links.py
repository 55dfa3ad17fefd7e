"""Payment links at the edges a hostile sender or a careless operator
reaches: the longest names sluice gives links and requests, and a link
URL as long as configuration allows."""
import re

from harness import Spool, SpoolTest, codes, run_tap
from lifecycle_util import payment, shipment
from test_documents import pdf_pages, pdftext
from test_links import Links, unpaid, url_of


class LongNames(Links):
    """An id of 64 characters is the longest an input gives, but sluice
    names links and requests with a prefix before it: the payment events
    that answer them must be able to name them."""

    def test_the_longest_link_and_request_names_can_be_named(self):
        number, event, sid = "N" * 64, "E" * 64, "S" * 64
        link = "LINK-%s-1" % number
        self.step("order", unpaid(number, "SEK", True, [(1, 1, "100.00", "25")]))
        self.step("payment", payment("EV-1", number, "authorization", "100.00", "SEK", link))
        self.assertEqual(self.links(number), [(link, "100.00", "spent")])
        # paid again: released as REL-<event_id>, which its answer names
        self.step("payment", payment(event, number, "authorization", "100.00", "SEK", link))
        self.step("payment", payment("EV-2", number, "release", "100.00", "SEK", "REL-" + event))
        self.assertEqual(self.requests(number)["REL-" + event], ("release", "100.00", "succeeded"))
        # the capture of a shipment with the longest id
        self.step("shipment", shipment(sid, number, [(1, 1)]))
        self.step("payment", payment("EV-3", number, "capture", "100.00", "SEK", "CAP-" + sid))
        self.assertEqual(self.requests(number)["CAP-" + sid], ("capture", "100.00", "succeeded"))
        # what is no id at all is still refused
        r = self.step("payment", payment("EV-4", number, "capture", "100.00", "SEK",
                                         "CAP-" + sid + "!"), "rejected")
        self.assertEqual(codes(r), {(2, "request_id", "invalid_id")})


class LongUrl(SpoolTest):
    """The longest link URL configuration allows stays whole, above the
    footer, on the page, wherever the order's lines leave the link's
    block."""

    BODY_END = 841.89 - 90.0
    FOOTER_TOP = BODY_END + 14

    def test_a_long_url_is_never_drawn_over_the_footer(self):
        self.s.close()
        self.s = Spool(link_url="https://pay.example.com/" + "x" * 990 + "/{token}")
        for n in (1, 10, 24):
            self.s.drop("orders", "o%d.csv" % n, unpaid("L-%d" % n, "SEK", True,
                                                      [(i, 1, "10.00", "25")
                                                       for i in range(1, n + 1)]))
        self.s.run_once()
        for n in (1, 10, 24):
            link = "LINK-L-%d-1" % n
            path = self.s.path("out", "links", link + ".pdf")
            url = url_of(self.s, link)
            self.assertIn(url, re.sub(r"\s+", "", pdftext(path)), n)
            self.assertIn("2026-", pdftext(path).split("Valid until")[1], n)
            for page, (width, words) in enumerate(pdf_pages(path), 1):
                for x0, y0, x1, y1, w in words:
                    in_body = y1 <= self.BODY_END + 1
                    in_footer = y0 >= self.FOOTER_TOP and not ("xxxx" in w or w.startswith("v1."))
                    self.assertTrue(in_body or in_footer, (n, page, w, y0, y1))


if __name__ == "__main__":
    run_tap()
