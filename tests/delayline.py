#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""A delay line for the diagnosis suite: every frame that arrives on one
interface leaves on the other DELAY_MS later, both ways, in order.

  delayline.py IF_A IF_B DELAY_MS

This kernel has no netem, so the suite puts two veth pairs through a
middle namespace and runs this there: the known delay is the ground truth
the handshake histogram is checked against.  Frames are read and written
whole with AF_PACKET sockets, so the ends must compute checksums in
software (ethtool -K IF tx off): a frame with a partial checksum would be
relayed unfinished.  Frames are held in a FIFO per direction (one delay,
so due times only grow); the relay adds some tens of microseconds.
Runs until SIGTERM or SIGINT.
"""
import collections
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    names, delay = argv[1:3], float(argv[3]) / 1000.0
    socks = []
    for name in names:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        s.setblocking(False)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        socks.append(s)
    other = {socks[0]: socks[1], socks[1]: socks[0]}
    queue = {s: collections.deque() for s in socks}	# frames due out of s
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    print("delayline: %s <-> %s, %g ms each way" % (names[0], names[1], delay * 1000), flush=True)
    while True:
        now = time.monotonic()
        for s, q in queue.items():
            while q and q[0][0] <= now:
                s.send(q.popleft()[1])
        due = [q[0][0] for q in queue.values() if q]
        wait = max(0.0, min(due) - now) if due else 1.0
        ready, _, _ = select.select(socks, [], [], wait)
        for s in ready:
            for _ in range(64):
                try:
                    frame, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                # Our own frames, sent on this side, come back as outgoing.
                if addr[2] == PACKET_OUTGOING:
                    continue
                queue[other[s]].append((time.monotonic() + delay, frame))


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(0)
