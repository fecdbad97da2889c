#!/usr/bin/env python3
"""YMM/ZMM code of ipsecov2_lwf.sys only inside extended-state sections, per function.

    check.py SYS OBJDUMP_D PDB SECTIONS

Kernel code may touch the YMM/ZMM registers only between KeSaveExtendedProcessorState and
KeRestoreExtendedProcessorState. The crypto core's wide tier (VAES / VPCLMULQDQ on YMM) is
called only with a proof value that such a section hands out; this check shows the same on the
binary, per function:

* wide functions: every function (start from .pdata, the PDB and direct call targets, as
  tests/stack-budget/check.py finds them) with an instruction that names a %ymm, %zmm or mask
  (%k) register or is VEX/EVEX encoded (a `v` mnemonic: vmovdqu, vpxor, vaesenc, vzeroupper …);
* section holders: the functions named in SECTIONS (regular expressions over the PDB names, one
  per line with its reason) — where a section lives from its save to its restore. Each holder
  must exist, must statically reach both KeSaveExtendedProcessorState and
  KeRestoreExtendedProcessorState (through the import address table), and must not itself
  contain a wide instruction (it runs partly outside its section);
* the rule: with the holders taken out of the static call graph (direct calls and tail jumps
  from the disassembly), no wide function is reachable from any root — the exports, every
  function whose address is taken (lea, DIR64 relocations: callbacks, vtables). So every static
  path to wide code passes through a holder. Fails naming each offending function and one path.

Prints `ok` / `FAIL` lines; exit status 1 on any FAIL.
"""
import importlib.util
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "stack_budget", os.path.join(HERE, "..", "stack-budget", "check.py"))
sb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sb)

# VEX/EVEX-encoded instructions are the `v` mnemonics, except these (VMX, segment verification).
NOT_SIMD = re.compile(r"^(verr|verw|vm(call|launch|resume|xoff|xon|read|write|ptrld|ptrst|clear"
                      r"|func|load|save|run|mcall|pt))")
WIDE_REG = re.compile(r"%(ymm|zmm)\d+|%k[0-7]\b")
SAVE = "KeSaveExtendedProcessorState"
RESTORE = "KeRestoreExtendedProcessorState"


def imports(img):
    """{IAT slot rva: imported name}."""
    rva, _ = img.dirs[1]
    out = {}
    if not rva:
        return out
    d = rva
    while True:
        ilt, name_rva, iat = img.u32(d), img.u32(d + 12), img.u32(d + 16)
        if not name_rva:
            break
        lookup = ilt or iat
        i = 0
        while True:
            o = img.off(lookup + 8 * i)
            entry = int.from_bytes(img.data[o:o + 8], "little")
            if not entry:
                break
            if not entry >> 63:
                p = img.off((entry & 0x7FFFFFFF) + 2)
                out[iat + 8 * i] = img.data[p:img.data.index(b"\0", p)].decode()
            i += 1
        d += 20
    return out


def is_wide(op, args):
    return bool(WIDE_REG.search(args)) or (op.startswith("v") and not NOT_SIMD.match(op))


def analyse(sys_path, objdump_path, pdb_path, sections_path):
    img = sb.Image(sys_path)
    fr = sb.frames(img)
    names = sb.pdb_names(pdb_path, img)
    exp = sb.exports(img)
    iat = imports(img)
    insns = []
    for line in open(objdump_path):
        m = sb.INSN.match(line)
        if m:
            insns.append((int(m.group(1), 16) - img.base, m.group(2), m.group(3)))
    calls, tails, taken, import_calls, wide_at = [], [], set(), [], []
    for at, op, args in insns:
        t = re.fullmatch(r"0x([0-9a-f]+)(?: <.*>)?", args.strip())
        ind = re.search(r"\*0x[0-9a-f]+\(%rip\)\s+# 0x([0-9a-f]+)", args)
        if op.startswith("call") and t:
            calls.append((at, int(t.group(1), 16) - img.base))
        elif op.startswith("jmp") and t:
            tails.append((at, int(t.group(1), 16) - img.base))
        elif (op.startswith("call") or op.startswith("jmp")) and ind:
            slot = int(ind.group(1), 16) - img.base
            if slot in iat:
                import_calls.append((at, iat[slot]))
        elif op.startswith("lea"):
            c = re.search(r"# 0x([0-9a-f]+)", args)
            if c:
                taken.add(int(c.group(1), 16) - img.base)
        if is_wide(op, args):
            wide_at.append((at, op))
    starts = set(fr) | set(names) | set(exp) | {t for _, t in calls}
    starts = sorted(s for s in starts if img.is_code(s))
    start_set = set(starts)

    def owner(rva):
        i = sb.bisect.bisect_right(starts, rva) - 1
        return starts[i] if i >= 0 else None

    def name(f):
        return sb.short(names[f]) if f in names else exp.get(f, f"sub_{f:x}")

    edges = {}
    for at, target in calls + tails:
        src = owner(at)
        if target in start_set and target != src:
            edges.setdefault(src, set()).add(target)
    calls_import = {}
    for at, imp in import_calls:
        calls_import.setdefault(owner(at), set()).add(imp)
    wide = {}
    for at, op in wide_at:
        wide.setdefault(owner(at), op)
    roots = {f for f in (taken | sb.reloc_targets(img)) if f in start_set} | set(exp)

    rules = []
    for line in open(sections_path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pattern = line.split(" -- ", 1)[0].strip()
        rules.append((pattern, re.compile(pattern)))
    holders = {f for f in starts for _, r in rules if r.search(name(f))}

    ok = True

    def report(good, text):
        nonlocal ok
        print(("ok    " if good else "FAIL  ") + text)
        ok = ok and good

    report(bool(wide), f"ymm: the binary has wide (VEX/YMM) functions to check ({len(wide)}: "
           + ", ".join(sorted({name(f) for f in wide})[:6]) + (" …" if len(wide) > 6 else "") + ")")
    for pattern, r in rules:
        report(any(r.search(name(f)) for f in starts), f"ymm: section holder /{pattern}/ is in the binary")

    def reach_imports(root):
        seen, stack, found = {root}, [root], set()
        while stack:
            f = stack.pop()
            found |= calls_import.get(f, set())
            for g in edges.get(f, ()):
                if g not in seen:
                    seen.add(g)
                    stack.append(g)
        return found

    for h in sorted(holders):
        got = reach_imports(h)
        report(SAVE in got and RESTORE in got,
               f"ymm: holder {name(h)} reaches {SAVE} and {RESTORE}")
        report(h not in wide, f"ymm: holder {name(h)} itself has no wide instruction"
               + (f" (has {wide[h]})" if h in wide else ""))

    # Every root's reachable set with the holders removed must hold no wide function.
    bad = {}
    for root in sorted(roots):
        if root in holders:
            continue
        seen, stack = {root: None}, [root]
        while stack:
            f = stack.pop()
            if f in wide and f not in bad:
                path, g = [], f
                while g is not None:
                    path.append(name(g))
                    g = seen[g]
                bad[f] = list(reversed(path))
            for g in edges.get(f, ()):
                if g not in seen and g not in holders:
                    seen[g] = f
                    stack.append(g)
    for f, path in sorted(bad.items(), key=lambda kv: name(kv[0])):
        report(False, f"ymm: wide function {name(f)} ({wide[f]}) is reachable outside a section: "
               + " -> ".join(path))
    report(not bad, f"ymm: every wide function ({len(wide)}) is reachable only through a section "
           f"holder ({len(holders)} holders, {len(roots)} roots)")
    return ok


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sys.exit(0 if analyse(*sys.argv[1:]) else 1)
