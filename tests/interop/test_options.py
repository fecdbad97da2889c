"""Transport mode over IPv4 options and IPv6 extension headers, both directions.

Where ESP/AH goes (RFC 4303 §3.1.1, RFC 4302 §3.1.1): after the IPv4 header with its options;
in IPv6 after Hop-by-Hop, Routing and the Destination Options that precede a Routing header.
A Destination Options header WITHOUT a Routing header "could appear before, after, or both
before and after the ESP header": scapy (like Linux's ip6_find_1stfragopt) keeps it in front of
ESP/AH, the engine puts it inside (docs/engine.md). Both are allowed; each side must accept the
other's choice on input, and that is what is checked for those packets (see docs/interop.md)."""

import hashlib
import hmac
import struct

import pytest
from scapy.layers.inet import IP, TCP, UDP, IPOption_NOP, IPOption_Router_Alert, IPOption_RR
from scapy.layers.inet6 import (
    HBHOptUnknown, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, PadN,
    RouterAlert,
)
from scapy.packet import Raw

from interop import (
    ADDR, AH_ALGS, ESP_ALGS, LINKTYPE_RAW, Case, ScapySide, ipsecctl, wire_seq_and_iv, xfrm_specs,
)
from checks import assert_same_bytes

E, A = ESP_ALGS, AH_ALGS
CASES = [
    Case(proto, e, a, "transport", fam, fam, esn=esn)
    for fam in (4, 6)
    for proto, e, a in (("esp", E["aes128-cbc-sha1"], None), ("esp", E["aes256-gcm16"], None),
                        ("ah", None, A["ah-sha1"]), ("ah", None, A["ah-sha256"]),
                        ("esp+ah", E["aes128-cbc-sha256"], A["ah-md5"]))
    for esn in (False, True)
]


def packets(family: int) -> list[tuple[str, bytes]]:
    src, dst = ADDR[family]
    body = Raw(bytes(range(37)))
    if family == 4:
        pk = [
            ("router-alert", IP(src=src, dst=dst, ttl=9, options=[IPOption_Router_Alert()])
             / UDP(sport=1, dport=50999) / body),
            ("record-route", IP(src=src, dst=dst, tos=0x10, options=[
                IPOption_NOP(), IPOption_RR(routers=["203.0.113.9"])])
             / TCP(sport=2, dport=443) / body),
        ]
    else:
        pk = [
            ("hbh-router-alert", IPv6(src=src, dst=dst, hlim=3)
             / IPv6ExtHdrHopByHop(options=[RouterAlert(), PadN(optdata=b"")])
             / UDP(sport=1, dport=50999) / body),
            ("hbh-mutable-option", IPv6(src=src, dst=dst)
             / IPv6ExtHdrHopByHop(options=[HBHOptUnknown(otype=0x3E, optdata=b"\x11\x22\x33\x44")])
             / TCP(sport=2, dport=443) / body),
            ("hbh-dst-rh2-dst", IPv6(src=src, dst=dst)
             / IPv6ExtHdrHopByHop(options=[RouterAlert(), PadN(optdata=b"")])
             / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00\x00\x00\x00")])
             / IPv6ExtHdrRouting(type=2, segleft=0, addresses=["2001:db8:9::9"])
             / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00\x00\x00\x00")])
             / UDP(sport=3, dport=50999) / body),
            ("dst-only", IPv6(src=src, dst=dst)
             / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00\x00\x00\x00")])
             / UDP(sport=4, dport=50999) / body),
        ]
    cls = IP if family == 4 else IPv6
    return [(name, bytes(cls(bytes(p)))) for name, p in pk]


def dst_opts_placement_differs(name: str) -> bool:
    return name == "dst-only"


# scapy 2.8 `zero_mutable_fields(pkt, sending=True)` rotates the addresses of an IPv6 Routing
# header (and takes the last one as destination) whatever Segments Left is. RFC 4302 §3.3.3.1.2.2
# / Appendix A.2 has the sender order the fields "so that it appears as it will at the
# receiver": with Segments Left 0 the packet arrives as sent, so nothing may be rotated. scapy's
# ICV over such a packet is therefore wrong (its verification path does not rotate, so it
# accepts correct packets). For that packet the tests compute the RFC ICV themselves.
SCAPY_RH_BUG = "hbh-dst-rh2-dst"


def scapy_rh_bug(case, name: str) -> bool:
    return case.ah is not None and name == SCAPY_RH_BUG


_DIGEST = {"HMAC-SHA1-96": hashlib.sha1, "SHA2-256-128": hashlib.sha256,
           "HMAC-MD5-96": hashlib.md5}


def rfc4302_icv_v6(case, wire: bytes, seq64: int) -> tuple[int, bytes]:
    """AH ICV of an IPv6 packet computed here from RFC 4302 §3.3.3.1 (not by scapy or by us):
    traffic class, flow label and hop limit zeroed, the data of Hop-by-Hop/Destination options
    with the 0x20 bit zeroed, a Routing header with Segments Left 0 taken as it is, the ICV
    field zeroed, with ESN the high 32 bits appended. Returns (AH offset, ICV)."""
    b = bytearray(wire)
    b[0], b[1], b[2], b[3], b[7] = 0x60, 0, 0, 0, 0
    nh, off = b[6], 40
    while nh != 51:
        ln = (b[off + 1] + 1) * 8
        if nh in (0, 60):
            o = off + 2
            while o < off + ln:
                if b[o] == 0:
                    o += 1
                    continue
                t, n = b[o], b[o + 1]
                if t & 0x20:
                    b[o + 2:o + 2 + n] = bytes(n)
                o += 2 + n
        elif nh == 43:
            assert b[off + 3] == 0, "only Segments Left 0 is handled here"
        nh, off = b[off], off + ln
    ah_len = (b[off + 1] + 2) * 4
    b[off + 12:off + ah_len] = bytes(ah_len - 12)
    data = bytes(b) + (struct.pack("!I", seq64 >> 32) if case.esn else b"")
    icv_len = case.ah.bits // 8
    return off, hmac.new(case.ah_key(), data, _DIGEST[case.ah.scapy_auth]).digest()[:icv_len]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_options_scapy_to_us(case, tmp_path):
    named = packets(case.inner)
    plain = [p for _, p in named]
    side = ScapySide.of(case)
    wires = [side.encrypt(p, case.first_seq + i) for i, p in enumerate(plain)]
    scapy_wrong = []
    for i, (name, _) in enumerate(named):
        if scapy_rh_bug(case, name):
            # keep scapy's packet (wrong ICV) for the end, send the RFC-correct one in place
            seq64 = case.first_seq + len(plain) + len(scapy_wrong)
            scapy_wrong.append(side.encrypt(plain[i], seq64))
            off, icv = rfc4302_icv_v6(case, wires[i], case.first_seq + i)
            assert wires[i][off + 12:off + 12 + len(icv)] != icv  # the scapy bug is there
            w = bytearray(wires[i])
            w[off + 12:off + 12 + len(icv)] = icv
            wires[i] = bytes(w)
    out, report = ipsecctl("decrypt", xfrm_specs(case, "in"), wires + scapy_wrong,
                           LINKTYPE_RAW, tmp_path)
    want_drops = {"icv_mismatch": len(scapy_wrong)} if scapy_wrong else {}
    assert {k: v for k, v in report["drops"].items() if v} == want_drops
    assert report["packets"]["transformed"] == len(plain)
    for (name, p), got in zip(named, out):
        assert_same_bytes(got, p, name)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_options_us_to_scapy(case, tmp_path):
    named = packets(case.inner)
    plain = [p for _, p in named]
    out, report = ipsecctl("encrypt", xfrm_specs(case, "out"), plain, LINKTYPE_RAW, tmp_path)
    assert report["packets"]["transformed"] == len(plain)
    side = ScapySide.of(case)
    for i, ((name, p), wire) in enumerate(zip(named, out)):
        seq64 = case.first_seq + i
        _, iv = wire_seq_and_iv_after_ext(case, wire)
        assert_same_bytes(side.decrypt(wire, seq64), p, f"{name} decrypted by scapy")
        if dst_opts_placement_differs(name):
            # ours: the Destination Options header goes inside ESP/AH
            assert wire[6] == (51 if case.ah else 50), f"{name}: next header {wire[6]}"
            continue
        again = side.encrypt(p, seq64, iv=iv if case.esp is not None else None)
        if scapy_rh_bug(case, name):
            off, icv = rfc4302_icv_v6(case, wire, seq64)
            assert wire[off + 12:off + 12 + len(icv)] == icv, f"{name}: our AH ICV"
            a = bytearray(again)
            a[off + 12:off + 12 + len(icv)] = icv
            again = bytes(a)
        assert_same_bytes(wire, again, f"{name} (ours vs scapy's with the same IV)")


def wire_seq_and_iv_after_ext(case, wire: bytes):
    """Skip IPv4 options / IPv6 extension headers in front of AH/ESP, then read seq and IV."""
    if wire[0] >> 4 == 4:
        return wire_seq_and_iv(case, _strip_v4(wire))
    nh, off = wire[6], 40
    while nh in (0, 43, 60):
        nh, off = wire[off], off + (wire[off + 1] + 1) * 8
    return wire_seq_and_iv(case, wire[:6] + bytes([nh]) + wire[7:40] + wire[off:])


def _strip_v4(wire: bytes) -> bytes:
    ihl = (wire[0] & 0x0F) * 4
    return bytes([0x45]) + wire[1:20] + wire[ihl:]
