"""Payment links at the edges a hostile sender or a careless operator
reaches: the longest names sluice gives links and requests."""
from harness import codes, run_tap
from lifecycle_util import payment, shipment
from test_links import Links, unpaid


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


if __name__ == "__main__":
    run_tap()
