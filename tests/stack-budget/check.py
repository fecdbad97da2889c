#!/usr/bin/env python3
"""Stack budget of ipsecov2_lwf.sys, from the binary.

    check.py SYS OBJDUMP_D PDB EXCEPTIONS

* frame sizes: every function's frame from the PE's unwind information (.pdata RUNTIME_FUNCTION
  entries, their UNWIND_INFO codes: UWOP_PUSH_NONVOL 8 bytes, UWOP_ALLOC_SMALL, UWOP_ALLOC_LARGE,
  UWOP_PUSH_MACHFRAME; chained entries add their primary's), plus the return address; a function
  without unwind information is a leaf that never moves RSP (8 bytes);
* the static call graph from the disassembly (`objdump -d`): direct `call` edges, and `jmp` to
  another function's start as a tail call (the caller's frame is gone by then);
* roots: the exports (DriverEntry) and every function whose address is taken — `lea` of a code
  address (how DriverEntry fills the callback tables: filter characteristics, device dispatch)
  or a DIR64 relocation pointing at one (vtables of `dyn` calls). Indirect calls are not edges:
  their targets are roots of their own;
* names from the PDB (`llvm-pdbutil dump -symbols`: S_GPROC32 / S_LPROC32), `sub_<rva>` else;
* budget: no single frame above 1 KiB, no root's deepest static path above 6 KiB, except the
  functions and roots listed in EXCEPTIONS (`frame NAME` / `path NAME`, each with its reason);
  a recursive cycle is reported and its depth counted once round;
* no allocation on the datapath: no static path from the send, send-complete, cancel-send,
  receive or return callbacks reaches the allocator (`__rust_alloc`, `__rust_realloc`) or a
  growth or failure routine of `alloc` (`grow_one`, `grow_amortized`, `finish_grow`,
  `handle_alloc_error`, `handle_error`): a `Vec::push` left in a per-packet path links the
  allocation-failure bug check there even when its capacity was reserved.

Prints the largest frames, the deepest path of every callback root (full path for the driver's
registered callbacks), then one `ok` / `FAIL` line per rule. Exit status 1 on any FAIL.
STACK_FRAME_LIMIT / STACK_PATH_LIMIT (bytes) lower the budget for a self-test;
STACK_ALLOC_FORBIDDEN (a regular expression over names) replaces the allocation rule's targets.
"""
import bisect
import re
import struct
import subprocess
import sys

import os

# The budget; the environment may lower it (the self-test of tests/windows-target-check does).
FRAME_LIMIT = int(os.environ.get("STACK_FRAME_LIMIT", 1024))
PATH_LIMIT = int(os.environ.get("STACK_PATH_LIMIT", 6 * 1024))


def pe_parse(path):
    data = open(path, "rb").read()
    u16 = lambda o: struct.unpack_from("<H", data, o)[0]
    u32 = lambda o: struct.unpack_from("<I", data, o)[0]
    pe = u32(0x3C)
    nsec, opt_size = u16(pe + 6), u16(pe + 20)
    opt = pe + 24
    image_base = struct.unpack_from("<Q", data, opt + 24)[0]
    ndirs = u32(opt + 108)
    dirs = [struct.unpack_from("<II", data, opt + 112 + 8 * i) for i in range(ndirs)]
    sections = []
    for i in range(nsec):
        s = opt + opt_size + 40 * i
        name = data[s:s + 8].rstrip(b"\0").decode()
        vsize, va, rsize, raw = struct.unpack_from("<IIII", data, s + 8)
        sections.append((name, va, max(vsize, rsize), raw, u32(s + 36)))
    return data, image_base, dirs, sections


class Image:
    def __init__(self, path):
        self.data, self.base, self.dirs, self.sections = pe_parse(path)

    def off(self, rva):
        for _, va, size, raw, _ in self.sections:
            if va <= rva < va + size:
                return rva - va + raw
        raise ValueError(f"RVA {rva:#x} outside every section")

    def u8(self, rva):
        return self.data[self.off(rva)]

    def u16(self, rva):
        return struct.unpack_from("<H", self.data, self.off(rva))[0]

    def u32(self, rva):
        return struct.unpack_from("<I", self.data, self.off(rva))[0]

    def code_ranges(self):
        return [(va, va + size) for name, va, size, _, ch in self.sections if ch & 0x20000000]

    def is_code(self, rva):
        return any(a <= rva < b for a, b in self.code_ranges())


def unwind_size(img, unwind_rva, seen=()):
    """Bytes the prologue described at `unwind_rva` puts on the stack (without the return
    address), following chained unwind information."""
    if unwind_rva in seen:
        raise ValueError(f"unwind chain loops at {unwind_rva:#x}")
    vf = img.u8(unwind_rva)
    version, flags = vf & 7, vf >> 3
    count = img.u8(unwind_rva + 2)
    codes = [img.u16(unwind_rva + 4 + 2 * i) for i in range(count)]
    total, i = 0, 0
    while i < count:
        op, info = (codes[i] >> 8) & 0xF, codes[i] >> 12
        if op == 0:  # UWOP_PUSH_NONVOL
            total += 8
            i += 1
        elif op == 1:  # UWOP_ALLOC_LARGE
            if info == 0:
                total += codes[i + 1] * 8
                i += 2
            else:
                total += codes[i + 1] | (codes[i + 2] << 16)
                i += 3
        elif op == 2:  # UWOP_ALLOC_SMALL
            total += info * 8 + 8
            i += 1
        elif op == 3:  # UWOP_SET_FPREG
            i += 1
        elif op in (4, 8):  # UWOP_SAVE_NONVOL, UWOP_SAVE_XMM128: into the allocated area
            i += 2
        elif op in (5, 9):  # the _FAR forms
            i += 3
        elif op == 6 and version == 2:  # UWOP_EPILOG (version 2): epilogue description
            i += 1
        elif op == 10:  # UWOP_PUSH_MACHFRAME
            total += 48 if info else 40
            i += 1
        else:
            raise ValueError(f"unknown unwind code {op} at {unwind_rva:#x}")
    if flags & 4:  # UNW_FLAG_CHAININFO: a RUNTIME_FUNCTION of the primary follows the codes
        chained = unwind_rva + 4 + 2 * (count + (count & 1))
        total += unwind_size(img, img.u32(chained + 8), seen + (unwind_rva,))
    return total


def frames(img):
    """{function start rva: frame bytes including the return address}, from .pdata."""
    rva, size = img.dirs[3]
    out = {}
    for i in range(size // 12):
        begin, end, unwind = (img.u32(rva + 12 * i + k) for k in (0, 4, 8))
        if unwind & 1:  # an indirect entry (points at another RUNTIME_FUNCTION)
            unwind = img.u32((unwind & ~1) + 8)
        out[begin] = (end, unwind_size(img, unwind) + 8)
    return out


def pdb_names(pdb, img):
    """{rva: name} of the PDB's procedures (empty when llvm-pdbutil is missing)."""
    try:
        text = subprocess.run(["llvm-pdbutil", "dump", "-symbols", pdb], capture_output=True,
                              text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    names = {}
    for m in re.finditer(r"S_[GL]PROC32 \[size = \d+\] `(.*)`\n\s+parent = \d+, end = \d+, "
                         r"addr = (\d+):(\d+), code size = (\d+)", text):
        sec, off = int(m.group(2)), int(m.group(3))
        if 1 <= sec <= len(img.sections):
            names[img.sections[sec - 1][1] + off] = m.group(1)
    return names


def short(name):
    """A readable name: generic arguments dropped."""
    out, depth = [], 0
    for ch in name:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def exports(img):
    rva, _ = img.dirs[0]
    if not rva:
        return {}
    nfuncs, nnames, funcs, names, ords = (img.u32(rva + 20 + 4 * k) for k in range(5))
    out = {}
    for i in range(nnames):
        n_rva = img.u32(names + 4 * i)
        o = img.off(n_rva)
        name = img.data[o:img.data.index(b"\0", o)].decode()
        out[img.u32(funcs + 4 * img.u16(ords + 2 * i))] = name
    return out


def reloc_targets(img):
    """RVAs that DIR64 base relocations point at."""
    rva, size = img.dirs[5]
    out, p = set(), rva
    while p < rva + size:
        page, block = img.u32(p), img.u32(p + 4)
        if block < 8:
            break
        for k in range((block - 8) // 2):
            e = img.u16(p + 8 + 2 * k)
            if e >> 12 == 10:  # IMAGE_REL_BASED_DIR64
                target = struct.unpack_from("<Q", img.data, img.off(page + (e & 0xFFF)))[0]
                out.add(target - img.base)
        p += block
    return out


INSN = re.compile(r"^\s*([0-9a-f]+):\t(?:[0-9a-f]{2} )+\s*\t(\S+)\s+(.*)$")


# The per-packet callbacks (drivers/ipsecov2-lwf/src/shell/filter.rs) and what they must not reach.
DATAPATH_CALLBACKS = {
    "filter_send_net_buffer_lists",
    "filter_send_net_buffer_lists_complete",
    "filter_cancel_send_net_buffer_lists",
    "filter_receive_net_buffer_lists",
    "filter_return_net_buffer_lists",
}
# STACK_ALLOC_FORBIDDEN replaces the pattern for a self-test (a routine the datapath does call).
ALLOCATING = re.compile(os.environ.get(
    "STACK_ALLOC_FORBIDDEN",
    r"(^|::)(__rust_alloc|__rust_realloc|__rust_alloc_zeroed|grow_one|grow_amortized"
    r"|finish_grow|handle_alloc_error|handle_error)$"))


def reaches(root, edges, bad):
    """The first static path (a list of functions) from root to a function bad() accepts."""
    seen, stack = {root}, [(root, [root])]
    while stack:
        f, path = stack.pop()
        if bad(f):
            return path
        for g, _ in edges.get(f, ()):
            if g not in seen:
                seen.add(g)
                stack.append((g, path + [g]))
    return None


def analyse(sys_path, objdump_path, pdb_path, exceptions_path):
    img = Image(sys_path)
    fr = frames(img)
    names = pdb_names(pdb_path, img)
    exp = exports(img)
    calls, tails, taken = [], [], set()
    for line in open(objdump_path):
        m = INSN.match(line)
        if not m:
            continue
        at, op, args = int(m.group(1), 16) - img.base, m.group(2), m.group(3)
        t = re.fullmatch(r"0x([0-9a-f]+)(?: <.*>)?", args.strip())
        if op.startswith("call") and t:
            calls.append((at, int(t.group(1), 16) - img.base))
        elif op.startswith("jmp") and t:
            tails.append((at, int(t.group(1), 16) - img.base))
        elif op.startswith("lea"):
            c = re.search(r"# 0x([0-9a-f]+)", args)
            if c:
                taken.add(int(c.group(1), 16) - img.base)
    starts = set(fr) | set(names) | set(exp) | {t for _, t in calls}
    starts = sorted(s for s in starts if img.is_code(s))
    start_set = set(starts)

    def owner(rva):
        i = bisect.bisect_right(starts, rva) - 1
        return starts[i] if i >= 0 else None

    def frame(f):
        return fr[f][1] if f in fr else 8

    def name(f):
        return short(names[f]) if f in names else exp.get(f, f"sub_{f:x}")

    edges = {}
    for at, target in calls:
        if target in start_set:
            edges.setdefault(owner(at), set()).add((target, True))
    for at, target in tails:
        src = owner(at)
        if target in start_set and target != src:
            edges.setdefault(src, set()).add((target, False))
    roots = {f for f in (taken | reloc_targets(img)) if f in start_set} | set(exp)

    memo, cycles = {}, set()

    def deepest(f, path=()):
        """(bytes, [functions]) of the deepest static path from f (f's frame included)."""
        if f in memo:
            return memo[f]
        if f in path:
            cycles.add(f)
            return (0, [])
        best = (frame(f), [f])
        for g, is_call in edges.get(f, ()):
            d, p = deepest(g, path + (f,))
            total = d + (frame(f) if is_call else 0)
            if total > best[0]:
                best = (total, [f] + p)
        if not any(c in path for c in cycles):
            memo[f] = best
        return best

    sys.setrecursionlimit(100000)
    allowed_frames, allowed_paths, malformed = {}, {}, []
    for line in open(exceptions_path):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        kind, _, rest = line.partition(" ")
        target, _, reason = rest.partition(" -- ")
        if kind not in ("frame", "path") or not target.strip() or not reason.strip():
            malformed.append(line[:60])
            continue
        (allowed_frames if kind == "frame" else allowed_paths)[target.strip()] = reason.strip()

    print("--- stack: largest frames (unwind information) ---")
    for f in sorted(fr, key=lambda f: -frame(f))[:12]:
        print(f"  {frame(f):6d}  {name(f)}")
    results = {}
    for r in roots:
        results[r] = deepest(r)
    print("--- stack: deepest static path of every callback root (bytes) ---")
    for r in sorted(results, key=lambda r: -results[r][0]):
        d, p = results[r]
        if d < 512 and not name(r).startswith("ipsecov2_lwf::"):
            continue
        print(f"  {d:6d}  {name(r)}")
        if name(r).startswith("ipsecov2_lwf::shell::") or name(r) in exp.values() or d > PATH_LIMIT:
            for f in p:
                print(f"            {frame(f):6d}  {name(f)}")
    if cycles:
        print("info: recursion (counted once round): " + ", ".join(sorted(name(c) for c in cycles)))

    dp_roots = [r for r in roots if name(r).rsplit("::", 1)[-1] in DATAPATH_CALLBACKS]
    dp_allocs = []
    for r in dp_roots:
        found = reaches(r, edges, lambda f: ALLOCATING.search(name(f)) is not None)
        if found:
            dp_allocs.append(name(r) + ": " + " -> ".join(name(f) for f in found))

    big = [f"{name(f)} ({frame(f)})" for f in fr if frame(f) > FRAME_LIMIT and name(f) not in allowed_frames]
    deep = [f"{name(r)} ({d})" for r, (d, _) in results.items() if d > PATH_LIMIT and name(r) not in allowed_paths]
    stale = [n for n in allowed_frames if not any(name(f) == n and frame(f) > FRAME_LIMIT for f in fr)]
    stale += [n for n in allowed_paths if not any(name(r) == n and d > PATH_LIMIT for r, (d, _) in results.items())]
    callbacks = [r for r in roots if name(r).startswith("ipsecov2_lwf::shell::")]
    report = [
        (bool(fr) and bool(roots), f"stack: {len(fr)} frames from .pdata, {len(roots)} callback roots",
         "no unwind information or no root"),
        (bool(callbacks) or not names, f"stack: the driver's registered callbacks are roots ({len(callbacks)})",
         "no ipsecov2_lwf::shell:: root found"),
        (not big, f"stack: no frame above {FRAME_LIMIT} bytes (exceptions: {len(allowed_frames)})", ", ".join(big)),
        (not deep, f"stack: no callback's deepest static path above {PATH_LIMIT} bytes "
                   f"(exceptions: {len(allowed_paths)})", ", ".join(deep)),
        (not stale, "stack: every listed exception is still needed", ", ".join(stale)),
        (len(dp_roots) == len(DATAPATH_CALLBACKS) or not names,
         f"alloc: the datapath callbacks are roots ({len(dp_roots)} of {len(DATAPATH_CALLBACKS)})",
         "missing: " + ", ".join(sorted(DATAPATH_CALLBACKS - {name(r).rsplit('::', 1)[-1] for r in dp_roots}))),
        (not dp_allocs, "alloc: no datapath callback reaches the allocator or a Vec growth path",
         "; ".join(dp_allocs)),
        (not malformed, "stack: every exception is 'frame|path NAME -- reason'", "; ".join(malformed)),
    ]
    ok = True
    for good, desc, detail in report:
        print(("ok    " if good else "FAIL  ") + desc + ("" if good else f": {detail}"))
        ok &= good
    return ok


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sys.exit(0 if analyse(*sys.argv[1:]) else 1)
