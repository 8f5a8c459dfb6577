#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""tcx.py IFNAME ingress|egress: the names of the BPF programs in the tcx
chain of IFNAME (this network namespace), one per line.

Debian 12's iproute2 and bpftool 7.1 predate tcx (Linux 6.6) and do not
show it, so the tests ask the kernel themselves: BPF_PROG_QUERY with the
tcx attach type, then each program's name.  Nothing is printed where the
kernel has no tcx.
"""
import ctypes
import socket
import struct
import sys

SYS_BPF = 321                       # x86_64
BPF_PROG_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD, BPF_PROG_QUERY = 13, 15, 16
BPF_TCX = {"ingress": 46, "egress": 47}

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    ret = libc.syscall(SYS_BPF, cmd, buf, len(attr))
    return ret, buf.raw


def prog_name(prog_id):
    fd, _ = bpf(BPF_PROG_GET_FD_BY_ID, struct.pack("=III", prog_id, 0, 0))
    if fd < 0:
        return "?"
    info = ctypes.create_string_buffer(96)
    attr = struct.pack("=IIQ", fd, len(info), ctypes.addressof(info))
    ret, _ = bpf(BPF_OBJ_GET_INFO_BY_FD, attr)
    libc.close(fd)
    # struct bpf_prog_info: name[16] at offset 64
    return info.raw[64:80].split(b"\0")[0].decode() if ret == 0 else "?"


def main():
    ifindex = socket.if_nametoindex(sys.argv[1])
    ids = (ctypes.c_uint32 * 64)()
    # struct { target_ifindex, attach_type, query_flags, attach_flags,
    # prog_ids, prog_cnt, pad, prog_attach_flags, link_ids,
    # link_attach_flags, revision }
    attr = struct.pack("=IIIIQIIQQQQ", ifindex, BPF_TCX[sys.argv[2]], 0, 0,
                       ctypes.addressof(ids), 64, 0, 0, 0, 0, 0)
    ret, out = bpf(BPF_PROG_QUERY, attr)
    if ret != 0:
        return 0
    count = struct.unpack_from("=I", out, 24)[0]
    for i in range(min(count, 64)):
        print(prog_name(ids[i]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
