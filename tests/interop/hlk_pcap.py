"""Checks of `ipsecov2-hlk --pcap DIR` captures (docs/interop.md, section 7).

The HLK tool writes the wire frames of its cases (`<case>.pcap`), Wireshark ESP SA tables
(`<case>.esp_sa` and the merged `esp_sa`) and `sas.json`: every SA of a case (algorithms, keys,
salt, ESN, UDP encapsulation) and every frame (sent by the filter and/or injected on receive, with
TCP/IP's frame for the sent ones and the filter's receive status for the received ones).

`scapy_check` walks every frame header by header (Ethernet, 802.1Q, IPv4 options, IPv6
extension headers, AH, UDP 4500, ESP, inner IP of a tunnel), verifies each AH ICV with scapy,
verifies and decrypts each ESP layer with scapy and writes the plaintext back in place; for a
frame the filter sent, the result must equal what TCP/IP handed the filter byte for byte, except
the fields the filter writes (IVs, ICVs, the IPv6 UDP checksum of UDP-ESP). A frame only
injected on receive must verify when the filter reported CRYPTO_SUCCESS and must fail when it
reported an authentication or syntax failure.

`tshark_check` dissects the same captures with tshark and the keys files and compares, layer by
layer, the SPIs, the ICV verdict (where Wireshark 4.0 can check it: not with ESN, not AES-GMAC),
the next header and the decrypted data with scapy's.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import AH, ESP, IPSecIntegrityError, SecurityAssociation

import interop  # noqa: F401  (registers scapy's 'AES-GCM-TRUNC')
from interop import REPO, read_pcap

HLK = os.environ.get("IPSECOV2_HLK") or str(REPO / "target" / "release" / "ipsecov2-hlk")
TSHARK = shutil.which("tshark")

# The filter's receive verdicts that mean "the ICV (or the syntax under it) is wrong".
FAIL_STATUSES = {
    "CRYPTO_TRANSPORT_AH_AUTH_FAILED", "CRYPTO_TRANSPORT_ESP_AUTH_FAILED",
    "CRYPTO_TUNNEL_AH_AUTH_FAILED", "CRYPTO_TUNNEL_ESP_AUTH_FAILED",
    "CRYPTO_INVALID_PACKET_SYNTAX",
}


def run_hlk(out: Path, *extra: str) -> tuple[str, dict]:
    """Run the real tool with `--pcap out`; return its stdout and the parsed sidecar."""
    r = subprocess.run([HLK, "--pcap", str(out), *extra], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, f"ipsecov2-hlk failed ({r.returncode}): {r.stdout[-2000:]}{r.stderr}"
    return r.stdout, json.loads((out / "sas.json").read_text())


# --------------------------------------------------------------------------------------------
# scapy
# --------------------------------------------------------------------------------------------

_SCAPY_AUTH = {"HMAC-MD5-96": "HMAC-MD5-96", "HMAC-SHA1-96": "HMAC-SHA1-96",
               "HMAC-SHA-256-128": "SHA2-256-128", "NULL": "NULL"}
_SCAPY_CRYPT = {"AES-CBC-128": "AES-CBC", "AES-CBC-192": "AES-CBC", "AES-CBC-256": "AES-CBC",
                "DES-CBC": "DES", "3DES-CBC": "3DES", "NULL": "NULL"}


def scapy_sa(sa: dict) -> SecurityAssociation | None:
    """scapy's SA for one `sas.json` entry; None where scapy has no such algorithm (AH-GMAC)."""
    if sa["proto"] == "ah":
        if sa["auth"] not in _SCAPY_AUTH:
            return None
        return SecurityAssociation(AH, spi=sa["spi"], auth_algo=_SCAPY_AUTH[sa["auth"]],
                                   auth_key=bytes.fromhex(sa["auth_key"]), esn_en=sa["esn"])
    salt = bytes.fromhex(sa["salt"])
    if sa["enc"].startswith("AES-GCM"):
        crypt = "AES-GCM" if sa["icv_len"] == 16 else "AES-GCM-TRUNC"
        ckey, auth, akey = bytes.fromhex(sa["enc_key"]) + salt, "NULL", None
    elif sa["auth"].startswith("AES-GMAC"):
        crypt, ckey, auth, akey = "AES-NULL-GMAC", bytes.fromhex(sa["auth_key"]) + salt, "NULL", None
    else:
        crypt, auth = _SCAPY_CRYPT[sa["enc"]], _SCAPY_AUTH[sa["auth"]]
        ckey = bytes.fromhex(sa["enc_key"]) or None
        akey = bytes.fromhex(sa["auth_key"]) or None
    icv = sa["icv_len"] if crypt in ("AES-GCM", "AES-GCM-TRUNC") else None
    return SecurityAssociation(ESP, spi=sa["spi"], crypt_algo=crypt, crypt_key=ckey,
                               crypt_icv_size=icv, auth_algo=auth, auth_key=akey,
                               esn_en=sa["esn"])


@dataclass
class Level:
    """One IPsec header of a frame, as scapy saw it."""
    proto: str  # "esp" | "ah"
    spi: int
    sa: dict | None
    verified: bool = False  # ICV checked by scapy
    region: bytes = b""  # ESP: the decrypted payload + padding + pad length + next header
    clear: bytes = b""  # ESP: the same bytes as on the wire from the IV on (for NULL/GMAC)
    nh: int | None = None
    data_len: int = 0  # ESP: payload bytes before the padding


@dataclass
class FrameResult:
    levels: list[Level] = field(default_factory=list)
    failed: str | None = None  # the integrity error scapy raised, if any
    unknown_spi: bool = False


def _find_sa(case: dict, frame: dict, proto: str, spi: int) -> dict | None:
    cands = [s for s in case["sas"] if s["proto"] == proto and s["spi"] == spi]
    if not cands:
        return None
    preferred = [s for s in cands if s["index"] in frame["sas"]]
    if preferred:
        return preferred[0]
    want = "out" if frame["dir"] != "rx" else "in"
    same = [s for s in cands if s["dir"] == want]
    return (same or cands)[0]


def _esn(frame: dict, sa: dict) -> int:
    return frame["esn_high"].get(str(sa["index"]), sa["esn_high"])


def scapy_walk(case: dict, frame: dict, wire: bytes) -> tuple[FrameResult, bytearray, list]:
    """Verify/decrypt every IPsec layer of `wire` in place; returns the result, the decrypted
    frame and the ranges the filter writes."""
    buf = bytearray(wire)
    res = FrameResult()
    written: list[tuple[int, int]] = []
    off = 12
    while buf[off:off + 2] == b"\x81\x00":
        off += 4
    if buf[off:off + 2] not in (b"\x08\x00", b"\x86\xdd"):
        return res, buf, written
    ip_off = off + 2
    while True:  # one IP header per iteration
        if len(buf) < ip_off + 20:
            return res, buf, written
        v = buf[ip_off] >> 4
        if v == 4:
            end = ip_off + struct.unpack("!H", buf[ip_off + 2:ip_off + 4])[0]
            proto = buf[ip_off + 9]
            off = ip_off + (buf[ip_off] & 0x0F) * 4
        elif v == 6:
            end = ip_off + 40 + struct.unpack("!H", buf[ip_off + 4:ip_off + 6])[0]
            proto, off = buf[ip_off + 6], ip_off + 40
            while proto in (0, 43, 60):
                proto, off = buf[off], off + (buf[off + 1] + 1) * 8
        else:
            return res, buf, written
        next_ip = None
        while True:  # one header after the IP header per iteration
            if proto == 51 and end >= off + 12:
                spi = struct.unpack("!I", buf[off + 4:off + 8])[0]
                ah_len = (buf[off + 1] + 2) * 4
                sa = _find_sa(case, frame, "ah", spi)
                lvl = Level("ah", spi, sa, nh=buf[off])
                res.levels.append(lvl)
                written.append((off + 12, off + ah_len))
                if sa is None:
                    res.unknown_spi = True
                    return res, buf, written
                ssa = scapy_sa(sa)
                if ssa is not None:
                    pkt = (IP if v == 4 else IPv6)(bytes(buf[ip_off:end]))
                    try:
                        ssa.auth_algo.verify(pkt, ssa.auth_key, esn_en=sa["esn"],
                                             esn=_esn(frame, sa))
                    except IPSecIntegrityError as e:
                        res.failed = f"AH SPI {spi:#x}: {e}"
                        return res, buf, written
                    lvl.verified = True
                proto, off = buf[off], off + ah_len
                continue
            if proto == 17 and end >= off + 12 and buf[off + 2:off + 4] == b"\x11\x94" \
                    and buf[off + 8:off + 12] != b"\0\0\0\0":
                # the filter writes UDP-ESP's checksum over IPv6, and over IPv4 when TCP/IP
                # asks for UDP checksum offload (send/checksum/...)
                written.append((off + 6, off + 8))
                proto, off = 50, off + 8
                continue
            if proto == 50 and end >= off + 8:
                spi = struct.unpack("!I", buf[off:off + 4])[0]
                sa = _find_sa(case, frame, "esp", spi)
                lvl = Level("esp", spi, sa)
                res.levels.append(lvl)
                if sa is None:
                    res.unknown_spi = True
                    return res, buf, written
                iv, icv = sa["iv_len"], sa["icv_len"]
                written += [(off + 8, off + 8 + iv), (end - icv, end)]
                ssa = scapy_sa(sa)
                esp = ESP(bytes(buf[off:end]))
                high = _esn(frame, sa)
                try:
                    ssa.auth_algo.verify(esp, ssa.auth_key, esn_en=sa["esn"], esn=high)
                    p = ssa.crypt_algo.decrypt(
                        ssa, esp, ssa.crypt_key,
                        ssa.crypt_icv_size or ssa.crypt_algo.icv_size or ssa.auth_algo.icv_size,
                        esn_en=sa["esn"], esn=high)
                except IPSecIntegrityError as e:
                    res.failed = f"ESP SPI {spi:#x}: {e}"
                    return res, buf, written
                lvl.verified = True
                lvl.nh = p.nh
                lvl.data_len = len(p.data)
                lvl.region = bytes(p.data) + bytes(p.padding) + bytes([p.padlen, p.nh])
                lvl.clear = bytes(buf[off + 8:end - icv])
                assert len(lvl.region) == end - icv - off - 8 - iv, "ESP plaintext length"
                buf[off + 8 + iv:end - icv] = lvl.region
                if p.nh in (4, 41):
                    next_ip = off + 8 + iv
                break
            if proto in (4, 41) and res.levels:  # AH tunnel mode
                next_ip = off
            break
        if next_ip is None:
            return res, buf, written
        ip_off = next_ip


def frame_expectation(frame: dict) -> bool | None:
    """True: must verify; False: must fail; None: no claim (the filter did not judge it)."""
    if frame["dir"] != "rx":
        return True
    names = {r["status_name"] for r in frame["rx"] if r["crypto_done"]}
    if "CRYPTO_SUCCESS" in names:
        return True
    if names & FAIL_STATUSES:
        return False
    return None


@dataclass
class Tally:
    frames: int = 0
    esp_verified: int = 0
    ah_verified: int = 0
    plain_equal: int = 0
    rejected: int = 0
    ah_unverifiable: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)


def scapy_check(root: Path, cases: list[dict]) -> tuple[Tally, dict]:
    """scapy over the captures of `cases`; returns the tally and per (case, frame) the result."""
    t = Tally()
    results = {}
    for case in cases:
        lt, wires = read_pcap(root / case["pcap"])
        if lt != 1:
            t.problems.append(f"{case['id']}: linktype {lt}")
        if len(wires) != len(case["frames"]):
            t.problems.append(f"{case['id']}: {len(wires)} frames, sidecar {len(case['frames'])}")
            continue
        for fr, wire in zip(case["frames"], wires):
            t.frames += 1
            what = f"{case['id']} frame {fr['index'] + 1} ({fr['dir']})"
            if len(wire) != fr["len"]:
                t.problems.append(f"{what}: length {len(wire)}, sidecar {fr['len']}")
                continue
            try:
                res, buf, written = scapy_walk(case, fr, wire)
            except Exception as e:  # a malformed frame must fail the check, not the run
                t.problems.append(f"{what}: scapy walk raised {type(e).__name__}: {e}")
                continue
            results[(case["id"], fr["index"])] = res
            want = frame_expectation(fr)
            if not res.levels or res.unknown_spi:
                t.skipped += 1
                if want is True and fr["dir"] != "rx":
                    t.problems.append(f"{what}: sent frame without a known IPsec SA")
                continue
            if want is False:
                if res.failed is not None:
                    t.rejected += 1
                elif all(lv.verified for lv in res.levels):
                    t.problems.append(f"{what}: the filter rejected it ({fr['rx']}), "
                                      "scapy verified it")
                else:
                    t.skipped += 1  # under an AH-GMAC layer scapy cannot check
                continue
            if res.failed is not None:
                if want is True:
                    t.problems.append(f"{what}: {res.failed}")
                continue
            if want is None:
                t.skipped += 1
                continue
            t.esp_verified += sum(lv.verified for lv in res.levels if lv.proto == "esp")
            t.ah_verified += sum(lv.verified for lv in res.levels if lv.proto == "ah")
            t.ah_unverifiable += sum(not lv.verified for lv in res.levels if lv.proto == "ah")
            if fr["plain"] is not None:
                want_bytes = bytearray.fromhex(fr["plain"])
                if len(want_bytes) != len(buf):
                    t.problems.append(f"{what}: plain length {len(want_bytes)} != {len(buf)}")
                    continue
                for a, b in written:
                    want_bytes[a:b] = buf[a:b]
                if bytes(want_bytes) != bytes(buf):
                    diff = next(i for i in range(len(buf)) if buf[i] != want_bytes[i])
                    t.problems.append(f"{what}: decrypted frame differs from TCP/IP's at byte "
                                      f"{diff}: {bytes(buf[diff:diff + 8]).hex()} vs "
                                      f"{bytes(want_bytes[diff:diff + 8]).hex()}")
                else:
                    t.plain_equal += 1
    return t, results


# --------------------------------------------------------------------------------------------
# tshark
# --------------------------------------------------------------------------------------------

TSHARK_FIELDS = ["frame.number", "frame.protocols", "esp.spi", "esp.icv_good", "esp.icv_bad",
                 "esp.protocol", "esp.decrypted_data", "ah.spi", "ah.next_header"]


def write_pcap_eth(path: Path, frames: list[bytes]) -> None:
    interop.write_pcap(path, frames, interop.LINKTYPE_ETHERNET)


def tshark_rows(pcap: Path, keys_file: Path, workdir: Path) -> list[dict]:
    """tshark over `pcap` with `keys_file` as the personal `esp_sa` table (a private Wireshark
    configuration directory, as a Wireshark user would install it)."""
    conf = workdir / f"wireshark-conf-{abs(hash(str(keys_file)))}"
    (conf / "wireshark").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(keys_file, conf / "wireshark" / "esp_sa")
    argv = [TSHARK, "-n", "-r", str(pcap),
            "-o", "esp.enable_encryption_decode:TRUE",
            "-o", "esp.enable_authentication_check:TRUE",
            # the HLK payloads are random bytes under next header 6: show them as data (a TCP
            # dissector throwing on them stops the dissection before the ICV is shown)
            "-d", "ip.proto==6,data",
            # likewise the UDP datagrams of send/checksum/... (to port 53: random bytes, not DNS)
            "-d", "udp.port==53,data",
            "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in TSHARK_FIELDS:
        argv += ["-e", f]
    env = dict(os.environ, XDG_CONFIG_HOME=str(conf), HOME=str(conf))
    r = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    rows = []
    for line in r.stdout.splitlines():
        vals = line.split("|")
        rows.append({f: (v.split(",") if v else []) for f, v in zip(TSHARK_FIELDS, vals)})
    return rows


def tshark_compare(what: str, case: dict, fr: dict, res: FrameResult, row: dict,
                   t: Tally) -> None:
    want = frame_expectation(fr)
    levels = [lv for lv in res.levels if lv.sa is not None]
    if not levels or res.unknown_spi:
        return
    esp_levels = [lv for lv in levels if lv.proto == "esp"]
    ah_levels = [lv for lv in levels if lv.proto == "ah"]
    if want is False:
        first = levels[0]
        if first.proto == "esp" and first.sa["wireshark_checks_icv"]:
            # tshark leaves the ICV unchecked (good 0, bad 0) when the ciphertext length is
            # not a whole number of blocks (the truncated frames); it must never call it good
            if row["esp.icv_good"][:1] != ["0"]:
                t.problems.append(f"{what}: filter and scapy reject it, tshark ICV "
                                  f"good={row['esp.icv_good']} bad={row['esp.icv_bad']}")
            elif row["esp.icv_bad"][:1] == ["1"]:
                t.rejected += 1
        return
    if want is None or res.failed is not None:
        return
    got_ah = [int(x, 16) for x in row["ah.spi"]]
    if got_ah != [lv.spi for lv in ah_levels]:
        t.problems.append(f"{what}: tshark AH SPIs {row['ah.spi']}, expected "
                          f"{[hex(lv.spi) for lv in ah_levels]}")
        return
    if [int(x, 0) for x in row["ah.next_header"]] != [lv.nh for lv in ah_levels]:
        t.problems.append(f"{what}: tshark AH next headers {row['ah.next_header']}")
    t.ah_verified += len(ah_levels)  # parsed, as tshark does not check AH ICVs
    got_esp = [int(x, 16) for x in row["esp.spi"]]
    if got_esp != [lv.spi for lv in esp_levels]:
        t.problems.append(f"{what}: tshark ESP SPIs {row['esp.spi']}, expected "
                          f"{[hex(lv.spi) for lv in esp_levels]}")
        return
    for k, lv in enumerate(esp_levels):
        sa = lv.sa
        pick = lambda f: row[f][k] if k < len(row[f]) else None  # noqa: E731
        if sa["wireshark_checks_icv"]:
            if (pick("esp.icv_good"), pick("esp.icv_bad")) != ("1", "0"):
                t.problems.append(f"{what}: ESP {lv.spi:#x} ({sa['enc']}/{sa['auth']}): tshark "
                                  f"ICV good={pick('esp.icv_good')} bad={pick('esp.icv_bad')}")
                continue
            t.esp_verified += 1
        expect = lv.clear if sa["auth"].startswith("AES-GMAC") else lv.region
        if pick("esp.decrypted_data") != expect.hex():
            t.problems.append(f"{what}: ESP {lv.spi:#x} ({sa['enc']}/{sa['auth']}): tshark "
                              f"decrypted {pick('esp.decrypted_data')}, scapy {expect.hex()}")
            continue
        # (tshark 4.0 shows no trailer fields for an empty payload)
        if lv.data_len == 0 and pick("esp.protocol") is None:
            pass
        elif pick("esp.protocol") is None or int(pick("esp.protocol"), 0) != lv.nh:
            t.problems.append(f"{what}: tshark next header {pick('esp.protocol')}, scapy {lv.nh}")
            continue
        t.plain_equal += 1
    protos = row["frame.protocols"][0].split(":") if row["frame.protocols"] else []
    if "esp" in protos and protos[-1] == "esp":
        t.problems.append(f"{what}: tshark shows nothing inside ESP: {protos}")


def tshark_check(root: Path, cases: list[dict], results: dict, workdir: Path) -> Tally:
    """tshark over the captures of `cases`: those whose SAs are all in the merged `esp_sa` as
    one merged capture with that file, the others one by one with their own `.esp_sa`."""
    t = Tally()
    merged = [c for c in cases if c["in_global_esp_sa"]]
    batches = []
    if merged:
        frames, index = [], []
        for c in merged:
            _, wires = read_pcap(root / c["pcap"])
            frames += wires
            index += [(c, fr) for fr in c["frames"]][:len(wires)]
        path = workdir / "merged.pcap"
        write_pcap_eth(path, frames)
        batches.append((path, root / "esp_sa", index))
    for c in cases:
        if not c["in_global_esp_sa"]:
            batches.append((root / c["pcap"], root / c["esp_sa"], [(c, fr) for fr in c["frames"]]))
    for pcap, keys, index in batches:
        rows = tshark_rows(pcap, keys, workdir)
        if len(rows) != len(index):
            t.problems.append(f"{pcap.name}: tshark shows {len(rows)} frames, {len(index)} written")
            continue
        for (c, fr), row in zip(index, rows):
            t.frames += 1
            res = results.get((c["id"], fr["index"]))
            if res is None:
                continue
            tshark_compare(f"{c['id']} frame {fr['index'] + 1} ({fr['dir']})", c, fr, res, row, t)
    return t
