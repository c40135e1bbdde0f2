#!/usr/bin/env python3
"""Host-side check of one saved dump (tests/installed, bench/installed).

    check-dump.py VMCORE [--elfcorehdr FILE] [--iomem FILE]

The reference ranges are the PT_LOADs of the ELF core header the daemon loaded (--elfcorehdr,
read from the API before the crash) or, without it, System RAM outside "Crash kernel" from the
first kernel's /proc/iomem (--iomem; above the first MiB, which x86-64 core headers leave out). Every whole page of every reference range must be in the
dump: for an ELF vmcore, inside a PT_LOAD that `readelf -l -W` lists; for a kdump-compressed one,
set in the first (memory-present) bitmap, and the header must not carry the incomplete flag.
Prints one line: "ok: ..." (exit 0) or "bad: ..." (exit 1).
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

PAGE = 4096
INCOMPLETE = 0x8
LOW_MIB = 1 << 20


def ranges_from_elfcorehdr(path):
    data = open(path, "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ValueError(f"{path}: not an ELF64 core header (first bytes {data[:8]!r})")
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    out = []
    for i in range(phnum):
        at = phoff + i * phentsize
        p_type, = struct.unpack_from("<I", data, at)
        if p_type == 1:
            paddr, = struct.unpack_from("<Q", data, at + 0x18)
            memsz, = struct.unpack_from("<Q", data, at + 0x28)
            out.append((paddr, paddr + memsz))
    if not out:
        raise ValueError(f"{path}: no PT_LOAD in the core header")
    return out


def ranges_from_iomem(path):
    ram, crash = [], []
    for line in open(path):
        span, _, name = line.partition(" : ")
        lo, hi = (int(x, 16) for x in span.strip().split("-"))
        if not line.startswith(" ") and name.strip() == "System RAM":
            ram.append((lo, hi + 1))
        elif name.strip() == "Crash kernel":
            crash.append((lo, hi + 1))
    if not ram or lo == hi == 0:
        raise ValueError(f"{path}: no System RAM with real addresses (read as root?)")
    out = []
    for lo, hi in ram:
        # x86-64 capture kernels run in the first MiB (real-mode trampoline): the kernel's own core
        # header leaves it out, so no dump has it
        lo = max(lo, LOW_MIB)
        if lo >= hi:
            continue
        pieces = [(lo, hi)]
        for clo, chi in crash:
            pieces = [q for a, b in pieces for q in ((a, min(b, clo)), (max(a, chi), b)) if q[0] < q[1]]
        out.extend(pieces)
    return out


def whole_pages(lo, hi):
    return (lo + PAGE - 1) // PAGE, hi // PAGE


def check_elf(path, ref):
    text = subprocess.run(["readelf", "-l", "-W", path], capture_output=True, text=True, check=True).stdout
    loads = []
    for line in text.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            paddr, memsz = int(f[3], 16), int(f[5], 16)
            loads.append((paddr, paddr + memsz))
    if not loads:
        return f"readelf -l lists no PT_LOAD in {path}"
    loads.sort()
    for lo, hi in ref:
        first, end = whole_pages(lo, hi)
        pos = first * PAGE
        for a, b in loads:
            if a <= pos < b:
                pos = b
        if pos < end * PAGE:
            return f"plan range {lo:#x}-{hi:#x} not covered by the vmcore's PT_LOADs from {pos:#x}"
    return None, len(loads)


def check_kdump(path, ref):
    with open(path, "rb") as f:
        head = f.read(464)
        version, = struct.unpack_from("<i", head, 8)
        status, block_size, sub_hdr_size, bitmap_blocks, max_mapnr = struct.unpack_from("<IiiII", head, 424)
        if status & INCOMPLETE:
            return f"the kdump header carries the incomplete flag (status {status:#x})"
        if version >= 6:
            f.seek(block_size + 96)
            m64, = struct.unpack("<Q", f.read(8))
            max_mapnr = m64 or max_mapnr
        f.seek((1 + sub_hdr_size) * block_size)
        bitmap1 = f.read(bitmap_blocks * block_size // 2)
    for lo, hi in ref:
        first, end = whole_pages(lo, hi)
        if end > max_mapnr:
            return f"plan range {lo:#x}-{hi:#x} ends beyond max_mapnr {max_mapnr:#x}"
        for pfn in range(first, end):
            if not (bitmap1[pfn >> 3] >> (pfn & 7)) & 1:
                return f"pfn {pfn:#x} of plan range {lo:#x}-{hi:#x} is not in the dump's memory bitmap"
    return None, max_mapnr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vmcore")
    ap.add_argument("--elfcorehdr")
    ap.add_argument("--iomem")
    a = ap.parse_args()
    try:
        if a.elfcorehdr:
            ref, what = ranges_from_elfcorehdr(a.elfcorehdr), "the loaded core header's PT_LOADs"
        elif a.iomem:
            ref, what = ranges_from_iomem(a.iomem), "System RAM outside the reservation"
        else:
            ap.error("--elfcorehdr or --iomem is required")
        magic = open(a.vmcore, "rb").read(16)
        if magic[:12] == b"makedumpfile":
            # the flattened format (makedumpfile -F, what kdump-tools writes): rearranged by
            # makedumpfile -R into the kdump-compressed file it stands for
            with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(a.vmcore))) as tmp:
                plain = os.path.join(tmp, "vmcore")
                with open(a.vmcore, "rb") as src:
                    subprocess.run(["makedumpfile", "-R", plain], stdin=src, capture_output=True, check=True)
                r, kind = check_file(plain, ref)
                kind = kind and f"flattened {kind}"
        else:
            r, kind = check_file(a.vmcore, ref)
        if kind is None:
            print(f"bad: {a.vmcore}: unknown dump format (first bytes {magic[:12]!r})")
            return 1
    except (OSError, ValueError, struct.error, subprocess.CalledProcessError) as e:
        print(f"bad: {e}")
        return 1
    if isinstance(r, str):
        print(f"bad: {kind} {a.vmcore}: {r}")
        return 1
    mib = sum(hi - lo for lo, hi in ref) / 2**20
    print(f"ok: {kind} dump covers {len(ref)} ranges ({mib:.1f} MiB) of {what}")
    return 0


def check_file(path, ref):
    magic = open(path, "rb").read(8)
    if magic[:4] == b"\x7fELF":
        return check_elf(path, ref), "ELF"
    if magic == b"KDUMP   ":
        return check_kdump(path, ref), "kdump-compressed"
    return None, None


if __name__ == "__main__":
    sys.exit(main())
