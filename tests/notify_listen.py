# SPDX-License-Identifier: ISC
"""notify_listen.py SOCKET: listens on a datagram socket as systemd's
NOTIFY_SOCKET and prints each message received (READY=1, WATCHDOG=1,
STATUS=...) on a line of its own, until killed (tests/package.sh)."""
import os
import socket
import sys

path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
os.chmod(path, 0o666)
while True:
    for line in sock.recv(65536).decode("utf-8", "replace").splitlines():
        print(line, flush=True)
