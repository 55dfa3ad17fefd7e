#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Runs stories against sluice and its model: random ones, or one written out.

  run_stories.py --seeds N [--start S] [--minutes M] [--steps K] [--keep DIR]
  run_stories.py --seed S [--steps K]          # replay one story
  run_stories.py --regressions                 # every seed of regressions.txt

Each story (one seed) starts a new spool and takes K steps; after each step
the receipts, the touched orders' `order show --json`, the documents issued
and the properties of every output are compared with the model.  A failure
prints the seed and step, and writes the story's files and a replay script
to DIR/seed-S (--keep, default ./model-failures).  A difference that the
model's KNOWN list explains is reported as a known divergence and ends that
story (its ledger no longer follows the documented rules).

A story's steps come from a source: stories.Generator draws them from a
seed, stories.Script gives those of a story written out (tests that tell
one story, such as test_voucher_story.py); both go through story().
"""
import argparse
import itertools
import json
import os
import shutil
import stat
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from harness import SRCDIR, Spool   # noqa: E402
import compare                      # noqa: E402
from model import HARMLESS, Model      # noqa: E402
from stories import Generator       # noqa: E402

DOC_FOLDERS = ("invoices", "proformas", "captures", "links", "receipts")


class Result:
    def __init__(self, seed):
        self.seed, self.steps, self.problems, self.known, self.step_failed = seed, 0, [], [], None


def out_files(root):
    """Every file under out/, as relative paths."""
    found = set()
    base = os.path.join(root, "out")
    for dirpath, _, files in os.walk(base):
        for f in files:
            found.add(os.path.relpath(os.path.join(dirpath, f), base))
    return found


def story(source, steps=None, log=None):
    """Runs the story of source (a stories.Generator or Script) on a new
    spool: at most steps of its steps (None: all), each compared with the
    model.  Returns its Result, whose spool and model the caller closes and
    may read, and the steps taken."""
    res = Result(source.seed)
    s = Spool(**source.config)
    source.root = s.root
    taken = []
    try:
        model = res.model = Model(source.config)
        seen = out_files(s.root)
        overwritten = set()     # (kind, name) of inputs whose receipt another took
        for step in itertools.islice(source.steps(model), steps):
            taken.append(step)
            env = {"SLUICE_CLOCK": str(step.clock)}
            probs = []
            for cmd, number in step.commands:
                r = s.sluice("order", cmd, number, env=env)
                done = model.archive(number)
                if (r.returncode == 0) != done:
                    probs.append(compare.Problem("archive %s: exit %d (%s), model %s" % (
                        number, r.returncode, r.stderr.strip()[:200], done)))
            for inp in step.inputs:
                s.drop(inp.kind, inp.name, inp.data)
            r = s.sluice("run", "--once", env=env)
            if r.returncode != 0:
                probs.append(compare.Problem("run --once exited %d: %s" % (r.returncode, r.stderr[-500:])))
            docs_before = set(model.docs)
            decided = model.run(step.inputs, step.clock)
            byname = {(i.kind, i.name): i for i in taken_inputs(taken)}
            touched = set(n for _, n in step.commands)
            for key, out in decided.items():
                inp = byname[key]
                probs += compare.compare_receipt(s.root, inp, out)
                for rec in inp.records:
                    if rec.head.get("order_number"):
                        touched.add(rec.head["order_number"])
                if out.status in ("accepted", "duplicate") and inp not in source.sent:
                    source.sent.append(inp)
            # the receipts of earlier inputs are still theirs
            earlier = [i for i in taken_inputs(taken)
                       if (i.kind, i.name) not in decided and (i.kind, i.name) not in overwritten]
            for p in compare.receipts_kept(s.root, earlier):
                probs.append(p)
                overwritten.add(tuple(p.what.split(":")[0].split("/", 1)))
            for number in sorted(touched):
                r = s.sluice("order", "show", number, "--json", env=env)
                got = json.loads(r.stdout) if r.returncode == 0 else None
                if number not in model.orders:
                    if got is not None:
                        probs.append(compare.Problem("order %s exists, model has none" % number))
                    continue
                if got is None:
                    probs.append(compare.Problem("order %s: order show failed" % number))
                    continue
                probs += compare.compare_order(model.order_view(number, step.clock), got)
                probs += compare.no_negative("order %s" % number, got)
            now = out_files(s.root)
            new = sorted(now - seen)
            seen = now
            new_docs = [d for d in model.docs if d not in docs_before]
            written = {os.path.basename(p)[:-4]: p for p in new
                       if p.endswith(".xml") and not p.startswith("receipts")}
            for number in new_docs:
                doc = model.docs[number]
                path = written.pop(number, None)
                if path is None:
                    probs.append(compare.Problem("document %s not written" % number))
                    continue
                probs += compare.compare_doc(model, doc, os.path.join(s.root, "out", path))
                if doc["type"] == "link":
                    probs += compare.link_pdf(model, doc, os.path.join(s.root, "out", path))
            for stem, path in written.items():
                probs.append(compare.Problem("unexpected document %s" % path))
            base = os.path.join(s.root, "out")
            probs += compare.xml_files_valid(SRCDIR, [os.path.join(base, p) for p in new
                                                      if p.endswith(".xml")])
            probs += compare.pdfs_open([os.path.join(base, p) for p in new if p.endswith(".pdf")])
            for p in new:
                if p.endswith(".xml") and not p.startswith("receipts"):
                    probs += compare.no_negative(p, compare.doc_fields(os.path.join(base, p)))
            a = s.sluice("audit")
            if a.returncode != 0:
                probs.append(compare.Problem("sluice audit exited %d: %s" % (a.returncode, a.stdout[-500:])))
            res.steps += 1
            if log:
                log("  step %d: %s" % (step.n, "; ".join(step.what) or "-"))
            known = [p for p in probs if p.known]
            bad = [p for p in probs if not p.known]
            ending = [p for p in known if p.known not in HARMLESS]
            if ending and bad:
                # what follows from a known divergence in the same step
                for p in bad:
                    p.known = ending[0].known
                    p.what = "(following) " + p.what
                known, bad = probs, []
            if bad:
                res.problems = probs
                res.step_failed = step.n
                break
            if known:
                res.known += [(step.n, p) for p in known]
                # archiving is put right above; anything else leaves the
                # ledger off the documented path: the story ends here
                if any(p.known not in HARMLESS for p in known):
                    break
    finally:
        res.spool = s
        res.config = source.config
    return res, taken


def taken_inputs(taken):
    for st in taken:
        yield from st.inputs


def write_recipe(folder, seed, taken, config, init_clock=None):
    """The story's files and a script that replays it against a new spool
    (init at init_clock, when given)."""
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    lines = ["#!/bin/sh",
             "# replays story %s: ./replay.sh [SLUICE]; the spool is ./spool" % seed,
             "set -u", 'S=${1:-sluice}', 'cd "$(dirname "$0")"', "rm -rf spool",
             "printf 'quiet_period = 0\\n%s' > sluice.conf" % "".join(
                 "%s = %s\\n" % kv for kv in sorted(config.items())),
             "%s$S --spool spool --config sluice.conf init"
             % ("" if init_clock is None else "SLUICE_CLOCK=%d " % init_clock)]
    for st in taken:
        lines.append("# step %d: %s" % (st.n, "; ".join(st.what)))
        for cmd, number in st.commands:
            lines.append("SLUICE_CLOCK=%d $S --spool spool --config sluice.conf order %s %s"
                         % (st.clock, cmd, number))
        for inp in st.inputs:
            d = os.path.join(folder, "step-%03d" % st.n, inp.kind)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, inp.name), "wb") as f:
                f.write(inp.data)
            lines.append("cp step-%03d/%s/%s spool/in/%s/.tmp && mv spool/in/%s/.tmp 'spool/in/%s/%s'"
                         % (st.n, inp.kind, inp.name, inp.kind, inp.kind, inp.kind, inp.name))
        lines.append("SLUICE_CLOCK=%d $S --spool spool --config sluice.conf run --once" % st.clock)
    path = os.path.join(folder, "replay.sh")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)


class ScriptCase(unittest.TestCase):
    """A written-out story as a test: run_script() runs it through story(),
    fails on any problem or known divergence (its files kept in
    ./model-failures) or on another count of steps, and returns its Result,
    whose spool is closed when the test ends."""
    keep = os.path.join(os.getcwd(), "model-failures")

    def run_script(self, script, steps):
        res, taken = story(script)
        self.addCleanup(res.spool.close)
        lines = []
        report(res, taken, self.keep, lines.append)
        self.assertFalse(res.problems, "\n".join(lines))
        self.assertFalse(res.known, "\n".join(lines))
        self.assertEqual(len(taken), steps)
        return res


def report(res, taken, keep, log=print):
    """Prints the problems and known divergences of a story's Result; a
    failing story's files and replay script go to keep/seed-SEED."""
    seed = res.seed
    if res.problems:
        folder = os.path.join(keep, "seed-%s" % seed)
        write_recipe(folder, seed, taken, res.config)
        again = "run_stories.py --seed %s --steps %d; " % (seed, res.step_failed) \
            if isinstance(seed, int) else ""
        log("FAIL seed %s step %d%s (replay: %sfiles in %s)"
            % (seed, res.step_failed, " config %s" % res.config if res.config else "", again,
               folder))
        for st in taken[-1:]:
            log("  the step: %s" % "; ".join(st.what))
        for p in res.problems:
            log("  " + repr(p).replace("\n", "\n    "))
    for n, p in res.known:
        log("known divergence %s (seed %s step %d): %s" % (p.known, seed, n, p.what[:300]))


def run_seed(seed, steps, keep, verbose=False, log=print):
    """Runs one seed; prints and returns its Result."""
    res, taken = story(Generator(seed), steps, log if verbose else None)
    try:
        report(res, taken, keep, log)
    finally:
        res.spool.close()
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=0, help="how many seeds to run")
    ap.add_argument("--start", type=int, default=None, help="the first seed (default: from the time)")
    ap.add_argument("--seed", type=int, default=None, help="replay this one seed")
    ap.add_argument("--minutes", type=float, default=None, help="run new seeds until this time is up")
    ap.add_argument("--steps", type=int, default=60, help="steps per story")
    ap.add_argument("--regressions", action="store_true", help="replay regressions.txt")
    ap.add_argument("--keep", default="model-failures", help="folder for failing stories' files")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    seeds = []
    if args.seed is not None:
        seeds = [(args.seed, args.steps)]
    elif args.regressions:
        seeds = regression_seeds()
    else:
        start = args.start if args.start is not None else int(time.time() * 1000) % 10 ** 9
        print("seeds from %d" % start)
        seeds = [(start + i, args.steps) for i in range(args.seeds)] if args.seeds else None
    deadline = time.time() + args.minutes * 60 if args.minutes else None
    failed, known, total_steps, n = [], {}, 0, 0
    i = 0
    while True:
        if seeds is not None:
            if i >= len(seeds):
                break
            seed, steps = seeds[i]
        else:
            seed, steps = start + i, args.steps
        if deadline and time.time() > deadline:
            break
        i += 1
        res = run_seed(seed, steps, args.keep, args.verbose)
        n += 1
        total_steps += res.steps
        if res.problems:
            failed.append(seed)
        for _, p in res.known:
            known.setdefault(p.known, []).append(seed)
    print("%d stories, %d steps; %d failed%s" % (n, total_steps, len(failed),
                                                  (": seeds " + " ".join(map(str, failed))) if failed else ""))
    for k, ss in sorted(known.items()):
        print("known divergence %s: seeds %s" % (k, " ".join(map(str, sorted(set(ss))[:10]))))
    print("%d passed, %d failed" % (n - len(failed), len(failed)))
    return 1 if failed else 0


def regression_seeds():
    """(seed, steps) of regressions.txt: "SEED [STEPS]  # what it found"."""
    out = []
    with open(os.path.join(HERE, "regressions.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if line:
                out.append((int(line[0]), int(line[1]) if len(line) > 1 else 60))
    return out


if __name__ == "__main__":
    sys.exit(main())
