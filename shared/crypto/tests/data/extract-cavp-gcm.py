#!/usr/bin/env python3
"""Extracts a subset of the NIST CAVP AES-GCM vectors into cavp-gcm.txt.

Source: the PyPI package `cryptography-vectors` (version below), files
cryptography_vectors/ciphers/AES/GCM/gcm{EncryptExtIV,Decrypt}{128,192,256}.rsp
(NIST CAVS 14.0 "GCM test vectors", gcmtestvectors.zip).

Kept: 96-bit IVs (what ESP uses) and 128/96/64-bit tags (the ICV lengths of RFC 4106); per
file and per (key, PT, AAD, tag) length group, the first encryption vector, and the first
passing and the first failing decryption vector.

Output, one vector a line: `enc|dec KEY IV AAD PT CT TAG pass|fail` in hex, '-' for empty.

Usage: extract-cavp-gcm.py [WHEEL]  (without WHEEL: `pip download` of the pinned version).
"""

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

VERSION = "44.0.0"
FILES = [f"gcm{kind}{bits}.rsp" for kind in ("EncryptExtIV", "Decrypt") for bits in (128, 192, 256)]


def wheel_path(argv):
    if len(argv) > 1:
        return Path(argv[1])
    tmp = Path(tempfile.mkdtemp())
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(tmp),
         f"cryptography-vectors=={VERSION}"],
        check=True,
    )
    return next(tmp.glob("cryptography_vectors-*.whl"))


def records(text):
    params, rec = {}, None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and "=" in line:
            k, v = line[1:-1].split("=")
            params[k.strip()] = int(v)
        elif line.startswith("Count"):
            if rec:
                yield rec
            rec = dict(params)
        elif rec is not None and " = " in line or (rec is not None and line.endswith("=")):
            k, _, v = line.partition("=")
            rec[k.strip()] = v.strip()
        elif rec is not None and line == "FAIL":
            rec["FAIL"] = True
    if rec:
        yield rec


def main(argv):
    z = zipfile.ZipFile(wheel_path(argv))
    out = [
        f"# NIST CAVP AES-GCM subset from cryptography-vectors {VERSION} (PyPI), made by "
        "extract-cavp-gcm.py beside this file.",
        "# enc|dec KEY IV AAD PT CT TAG pass|fail",
    ]
    for name in FILES:
        text = z.read(f"cryptography_vectors/ciphers/AES/GCM/{name}").decode()
        enc = "Encrypt" in name
        seen = set()
        for r in records(text):
            if r["IVlen"] != 96 or r["Taglen"] not in (128, 96, 64):
                continue
            fail = r.get("FAIL", False)
            group = (r["Keylen"], r["PTlen"], r["AADlen"], r["Taglen"], fail)
            if group in seen:
                continue
            seen.add(group)
            f = lambda k: r.get(k, "") or "-"  # noqa: E731
            out.append(" ".join([
                "enc" if enc else "dec", f("Key"), f("IV"), f("AAD"), f("PT"), f("CT"), f("Tag"),
                "fail" if fail else "pass",
            ]))
    Path(__file__).with_name("cavp-gcm.txt").write_text("\n".join(out) + "\n")
    print(f"{len(out) - 2} vectors", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
