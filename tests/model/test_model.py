# SPDX-License-Identifier: ISC
"""Model-based random testing under make check: a fixed set of stories
(CHECK_SEEDS) and every seed of regressions.txt, each compared step by step
with the model (see README.md).  A known divergence is reported as a TAP
comment; any other difference fails the story's test."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from harness import run_tap                              # noqa: E402
from run_stories import regression_seeds, run_seed       # noqa: E402

CHECK_SEEDS = [(seed, 50) for seed in range(1, 13)]


def comment(text):
    print("# " + text.replace("\n", "\n# "))


class Stories(unittest.TestCase):
    keep = os.path.join(os.getcwd(), "model-failures")

    def story(self, seed, steps):
        lines = []
        res = run_seed(seed, steps, self.keep, log=lines.append)
        for line in lines:
            if line.startswith("known divergence"):
                comment(line[:300])
        self.assertFalse(res.problems, "\n".join(lines))


def _add(seed, steps, kind):
    def test(self):
        self.story(seed, steps)
    test.__doc__ = "%s story, seed %d, %d steps" % (kind, seed, steps)
    setattr(Stories, "test_%s_%d" % (kind, seed), test)


for _seed, _steps in CHECK_SEEDS:
    _add(_seed, _steps, "check")
for _seed, _steps in regression_seeds():
    _add(_seed, _steps, "regression")

if __name__ == "__main__":
    run_tap()
