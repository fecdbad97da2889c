"""tshark (Wireshark's ESP dissector, an independent implementation) decrypts our ESP
packets with an ESP SA table and checks their ICVs; a tampered copy must show a bad ICV.

Wireshark 4.0 (Debian 12) limits what it can check: no ESN in its SA table (so no ESN
cases), no AES-GMAC (ENCR_NULL_AUTH_AES_GMAC) entry, and no AH ICV verification."""

import math
import os
import shutil
import subprocess

import pytest

from interop import (
    ESP_ALGS, ESP_SPI, LINKTYPE_RAW, Case, ipsecctl, plain_packets, write_pcap, xfrm_specs,
)

TSHARK = shutil.which("tshark")
if TSHARK is None and os.environ.get("INTEROP_REQUIRE_TSHARK") == "1":
    raise RuntimeError("tshark is required (tests/interop/run installs it)")
pytestmark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed")

TSHARK_ALGS = [
    "aes128-cbc-sha1", "aes192-cbc-md5", "aes256-cbc-sha256", "aes128-cbc-sha256",
    "aes128-gcm16", "aes192-gcm16", "aes256-gcm16", "aes128-gcm8", "aes256-gcm12",
    "null-sha1", "null-sha256", "null-md5", "des-cbc-sha1", "3des-cbc-sha1",
]
TOPOS = [("transport", 4, 4), ("transport", 6, 6), ("tunnel", 4, 4), ("tunnel", 6, 6),
         ("tunnel", 6, 4), ("tunnel", 4, 6)]

CASES = [Case("esp", ESP_ALGS[a], None, *t) for a in TSHARK_ALGS for t in TOPOS]
CASES += [Case("esp", ESP_ALGS[a], None, *t, encap=True)
          for a in ("aes128-cbc-sha1", "aes256-gcm16", "null-sha256", "3des-cbc-sha1")
          for t in (("transport", 4, 4), ("tunnel", 4, 6))]

FIELDS = ["esp.icv_good", "esp.icv_bad", "esp.spi", "esp.sequence", "esp.pad_len",
          "esp.protocol", "ip.len", "ipv6.plen", "udp.srcport", "udp.dstport", "udp.length", "tcp.srcport",
          "tcp.dstport", "icmp.type", "icmpv6.type"]


def tshark_fields(case: Case, pcap) -> list[dict]:
    enc_key, auth_key = case.esp_keys()
    src, dst = case.sa_addrs()
    a = case.esp
    row = ",".join(f'"{v}"' for v in (
        f"IPv{case.outer}", src, dst, f"0x{ESP_SPI:08x}", a.ws_enc,
        f"0x{enc_key.hex()}" if enc_key else "", a.ws_auth, f"0x{auth_key.hex()}"))
    argv = [TSHARK, "-n", "-r", str(pcap),
            "-o", "esp.enable_encryption_decode:TRUE",
            "-o", "esp.enable_authentication_check:TRUE",
            "-o", f"uat:esp_sa:{row}",
            # the plain payloads are filler bytes: show them as data (a heuristic dissector
            # throwing on them would stop the dissection before the ICV is shown)
            "-d", "udp.port==50999,data", "-d", "tcp.port==443,data", "-d", "tcp.port==80,data",
            "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        argv += ["-e", f]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    rows = []
    for line in r.stdout.splitlines():
        vals = line.split("|")
        rows.append({f: (v.split(",") if v else []) for f, v in zip(FIELDS, vals)})
    return rows


def expected_pad(case: Case, plain: bytes) -> int:
    if case.mode == "tunnel":
        n = len(plain)
    else:
        n = len(plain) - (20 if plain[0] >> 4 == 4 else 40)
    block = {"AES-CBC": 16, "DES": 8, "3DES": 8}.get(case.esp.scapy_crypt, 1)
    align = block * 4 // math.gcd(block, 4)
    return -(n + 2) % align


def inner_len_field(plain: bytes) -> tuple[str, int]:
    if plain[0] >> 4 == 4:
        return "ip.len", int.from_bytes(plain[2:4], "big")
    return "ipv6.plen", int.from_bytes(plain[4:6], "big")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_tshark_verifies_our_icv(case, tmp_path):
    plain = [bytes(p) for p in plain_packets(case.inner)]
    out, _ = ipsecctl("encrypt", xfrm_specs(case, "out"), plain, LINKTYPE_RAW, tmp_path)
    # A copy of the last packet with one ciphertext byte flipped must show a bad ICV.
    bad = bytearray(out[-1])
    bad[len(bad) // 2] ^= 0x01
    pcap = tmp_path / "ours.pcap"
    write_pcap(pcap, out + [bytes(bad)], LINKTYPE_RAW)
    rows = tshark_fields(case, pcap)
    assert len(rows) == len(plain) + 1
    for i, (p, row) in enumerate(zip(plain, rows)):
        what = f"packet {i + 1}: {row}"
        assert row["esp.icv_good"] == ["1"] and row["esp.icv_bad"] == ["0"], what
        assert row["esp.spi"] == [f"0x{ESP_SPI:08x}"], what
        assert row["esp.sequence"] == [str(case.first_seq + i)], what
        assert row["esp.pad_len"] == [str(expected_pad(case, p))], what
        # The decrypted payload is the original: inner length field and ports/types.
        if case.mode == "tunnel":
            f, n = inner_len_field(p)
            assert row[f] and row[f][-1] == str(n), what
        proto = p[9] if p[0] >> 4 == 4 else p[6]
        l4 = p[20:] if p[0] >> 4 == 4 else p[40:]
        sport, dport = int.from_bytes(l4[0:2], "big"), int.from_bytes(l4[2:4], "big")
        if proto == 6:
            assert row["tcp.srcport"] == [str(sport)] and row["tcp.dstport"] == [str(dport)], what
        elif proto == 17:
            assert row["udp.srcport"][-1:] == [str(sport)], what
            assert row["udp.dstport"][-1:] == [str(dport)], what
            assert row["udp.length"][-1:] == [str(len(l4))], what
        elif proto == 1:
            assert row["icmp.type"] == ["8"], what
        elif proto == 58:
            assert row["icmpv6.type"] == ["128"], what
        want_nh = ("4" if p[0] >> 4 == 4 else "41") if case.mode == "tunnel" else str(proto)
        assert [int(x, 0) for x in row["esp.protocol"]] == [int(want_nh)], what
    tampered = rows[-1]
    assert tampered["esp.icv_good"] == ["0"] and tampered["esp.icv_bad"] == ["1"], tampered
