#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""daemon.py SLUICE WORK FILES RATE RUNS: small files through a running
daemon (`sluice run`, quiet_period = 0), RUNS times, in new spools under
the folder WORK.

- A burst: FILES single-order files (two lines each), written beforehand
  on the same file system, renamed one after another into in/orders/;
  files/s from the first rename to the last receipt.  Its baseline: the
  same files written the way a design durable per file must, one after
  another: write, fsync, rename, fsync the folder.
- Latency: FILES such files renamed in at RATE files/s; each file's time
  from its rename to its receipt's appearing in out/receipts/orders/
  (seen by inotify): p50, p99 and max.

Every receipt must say accepted.  Prints each run's figures, and appends
them for bench/table.py to the file $BENCH_RESULTS if set."""
import ctypes
import math
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_orders  # noqa: E402

IN_CLOSE_WRITE = 0x08
IN_MOVED_TO = 0x80
IN_Q_OVERFLOW = 0x4000
SUFFIX = ".receipt.xml"

sluice, work, files, rate, runs = (sys.argv[1], sys.argv[2], int(sys.argv[3]),
                                   float(sys.argv[4]), int(sys.argv[5]))
libc = ctypes.CDLL(None, use_errno=True)
conf = os.path.join(work, "sluice.conf")
with open(conf, "w") as f:
    f.write("quiet_period = 0\n")
# every file's content: one order of two lines, numbered from BN-00000001
contents = [(gen_orders.HEADER + "".join(rows)).encode()
            for rows in gen_orders.orders(2 * files, 2)]
names = ["o-%06d.csv" % i for i in range(files)]


def record(*fields):
    """one line for bench/table.py (bench/common.sh says what they hold)"""
    if os.environ.get("BENCH_RESULTS"):
        with open(os.environ["BENCH_RESULTS"], "a") as f:
            f.write("\t".join(str(x) for x in fields) + "\n")


class Daemon:
    """`sluice run` on a new spool SPOOL, ready to take files, with the
    single-order files written into SPOOL.stage, and an inotify watch on
    out/receipts/orders/ for their receipts."""

    def __init__(self, spool):
        self.spool = spool
        self.inbox = os.path.join(spool, "in", "orders")
        self.outbox = os.path.join(spool, "out", "receipts", "orders")
        self.stage = spool + ".stage"
        self.seen = {}
        subprocess.run([sluice, "-q", "--spool", spool, "init"], check=True,
                       stdout=subprocess.DEVNULL)
        os.mkdir(self.stage)
        for name, data in zip(names, contents):
            with open(os.path.join(self.stage, name), "wb") as f:
                f.write(data)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0 or libc.inotify_add_watch(self.fd, os.fsencode(self.outbox),
                                                 IN_CLOSE_WRITE | IN_MOVED_TO) < 0:
            raise OSError(ctypes.get_errno(), "inotify on " + self.outbox)
        notify_path = spool + ".notify"
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(notify_path)
        self.log = open(spool + ".log", "w")
        self.proc = subprocess.Popen([sluice, "-q", "--config", conf, "--spool", spool, "run"],
                                     stderr=self.log,
                                     env=dict(os.environ, NOTIFY_SOCKET=notify_path))
        notify.settimeout(60)
        while b"READY=1" not in notify.recv(4096).split(b"\n"):
            pass
        notify.close()

    def take(self, name):
        """renames the staged file NAME into in/orders/"""
        os.rename(os.path.join(self.stage, name), os.path.join(self.inbox, name))

    def wait(self, timeout):
        """notes the time of every receipt that appeared, waiting up to
        timeout seconds for the first"""
        if not select.select([self.fd], [], [], max(timeout, 0))[0]:
            return
        now = time.monotonic()
        try:
            buf = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return
        off = 0
        while off < len(buf):
            _, mask, _, size = struct.unpack_from("iIII", buf, off)
            name = buf[off + 16:off + 16 + size].rstrip(b"\0").decode()
            off += 16 + size
            if mask & IN_Q_OVERFLOW:
                name = None
                for entry in os.listdir(self.outbox):
                    self.note(entry, now)
            self.note(name, now)

    def note(self, name, now):
        if name and name.endswith(SUFFIX):
            self.seen.setdefault(name[:-len(SUFFIX)], now)

    def wait_all(self, deadline=300):
        """waits until every file has its receipt"""
        end = time.monotonic() + deadline
        while len(self.seen) < files:
            if time.monotonic() > end or self.proc.poll() is not None:
                self.fail("%d of %d receipts" % (len(self.seen), files))
            self.wait(1)

    def stop(self):
        """ends the daemon, and checks that every input was accepted"""
        self.proc.send_signal(signal.SIGTERM)
        if self.proc.wait(60) != 0:
            self.fail("sluice run exited %d" % self.proc.returncode)
        os.close(self.fd)
        for name in names:
            with open(os.path.join(self.outbox, name + SUFFIX), "rb") as f:
                if b"<status>accepted</status>" not in f.read():
                    self.fail("%s was not accepted" % name)

    def fail(self, why):
        self.log.flush()
        with open(self.log.name) as f:
            sys.stderr.write(f.read()[-2000:])
        sys.exit("daemon.py: %s" % why)


def fsync_loop(folder):
    """the files written durably one by one: files/s"""
    os.mkdir(folder)
    tmp = os.path.join(folder, ".tmp")
    dirfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    t0 = time.monotonic()
    for name, data in zip(names, contents):
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)
        os.rename(tmp, os.path.join(folder, name))
        os.fsync(dirfd)
    elapsed = time.monotonic() - t0
    os.close(dirfd)
    return files / elapsed


burst = "burst of %d files" % files
paced = "latency at %g files/s" % rate
record("F", burst, "files/s", "fsync per file", ">= 10000")
record("F", paced + ", p50", "ms", "-", "-")
record("F", paced + ", p99", "ms", "-", "<= 20")
record("F", paced + ", max", "ms", "-", "-")
for run in range(1, runs + 1):
    d = Daemon(os.path.join(work, "burst%d" % run))
    t0 = time.monotonic()
    for name in names:
        d.take(name)
    d.wait_all()
    d.stop()
    speed = files / (max(d.seen.values()) - t0)
    base = fsync_loop(os.path.join(work, "fsync%d" % run))
    print("run %d: burst of %d files %8.0f files/s | fsync per file %8.0f files/s"
          % (run, files, speed, base))
    record("S", burst, "sluice", speed)
    record("S", burst, "base", base)

    d = Daemon(os.path.join(work, "paced%d" % run))
    taken = {}
    t0 = time.monotonic()
    for i, name in enumerate(names):
        due = t0 + i / rate
        while True:
            now = time.monotonic()
            if now >= due:
                break
            d.wait(due - now)
        d.take(name)
        taken[name] = time.monotonic()
    late = time.monotonic() - (t0 + (files - 1) / rate)
    d.wait_all()
    d.stop()
    lat = sorted((d.seen[n] - taken[n]) * 1000 for n in names)
    p50, p99 = (lat[max(0, math.ceil(p * files) - 1)] for p in (0.5, 0.99))
    print("run %d: %d files at %g files/s (the last renamed %.1f ms late): "
          "latency p50 %.2f ms, p99 %.2f ms, max %.2f ms"
          % (run, files, rate, late * 1000, p50, p99, lat[-1]))
    record("S", paced + ", p50", "sluice", p50)
    record("S", paced + ", p99", "sluice", p99)
    record("S", paced + ", max", "sluice", lat[-1])
