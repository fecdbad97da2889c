"""Negative interop: packets scapy protected, then damaged or replayed, must be dropped by
ipsecctl with the right reason in --json; changes to AH-mutable fields must not matter."""

import pytest

from interop import (
    AH_ALGS, ESP_ALGS, LINKTYPE_RAW, Case, ScapySide, esp_offset, ipsecctl, parse_ip,
    plain_packets, xfrm_specs,
)
from checks import assert_same_bytes

E = ESP_ALGS
A = AH_ALGS
TAMPER_CASES = [
    Case("esp", E["aes128-cbc-sha256"], None, "transport", 4, 4),
    Case("esp", E["aes256-cbc-sha1"], None, "tunnel", 6, 6),
    Case("esp", E["aes128-gcm16"], None, "transport", 6, 6),
    Case("esp", E["aes256-gcm8"], None, "tunnel", 4, 6),
    Case("esp", E["aes192-gmac"], None, "transport", 4, 4),
    Case("esp", E["null-md5"], None, "tunnel", 4, 4),
    Case("esp", E["3des-cbc-sha1"], None, "transport", 4, 4, esn=True),
    Case("esp", E["aes128-cbc-sha1"], None, "transport", 4, 4, encap=True),
    Case("ah", None, A["ah-sha1"], "transport", 4, 4),
    Case("ah", None, A["ah-sha256"], "tunnel", 6, 6, esn=True),
    Case("ah", None, A["ah-md5"], "transport", 6, 6),
    Case("esp+ah", E["aes128-gcm16"], A["ah-sha256"], "transport", 4, 4),
    Case("esp+ah", E["aes256-cbc-sha256"], A["ah-sha1"], "tunnel", 6, 4, esn=True),
]


def protect_all(case, plain, seqs=None):
    side = ScapySide.of(case)
    seqs = seqs or [case.first_seq + i for i in range(len(plain))]
    return [side.encrypt(p, s) for p, s in zip(plain, seqs)]


def flip(b: bytes, at: int) -> bytes:
    x = bytearray(b)
    x[at] ^= 0x80
    return bytes(x)


@pytest.mark.parametrize("where", ["icv", "payload"])
@pytest.mark.parametrize("case", TAMPER_CASES, ids=[c.id for c in TAMPER_CASES])
def test_flipped_byte_is_icv_mismatch(case, where, tmp_path):
    plain = [bytes(p) for p in plain_packets(case.inner)][:8]
    wires = protect_all(case, plain)
    bad = {2, 5}
    frames = []
    for i, w in enumerate(wires):
        if i in bad:
            # the last byte is in the ICV (ESP) or in the protected payload (AH); the middle
            # of the packet is ciphertext/payload after the IPsec header
            off, _ = esp_offset(w)
            at = len(w) - 1 if where == "icv" else off + 24 + (len(w) - off - 24) // 2
            if where == "icv" and case.proto != "esp":
                at = off + 12  # first byte of the AH ICV field
            w = flip(w, at)
        frames.append(w)
    out, report = ipsecctl("decrypt", xfrm_specs(case, "in"), frames, LINKTYPE_RAW, tmp_path)
    n = len(plain)
    assert report["packets"] == {"read": n, "transformed": n - len(bad), "passed": 0,
                                 "dropped": len(bad)}
    assert {k: v for k, v in report["drops"].items() if v} == {"icv_mismatch": len(bad)}
    for s in report["sas"]:
        assert s["drops"] == {"icv_mismatch": len(bad)} and s["dropped"] == len(bad), s
        assert s["packets"] == n - len(bad)
    good = [p for i, p in enumerate(plain) if i not in bad]
    assert len(out) == len(good)
    for i, (g, w) in enumerate(zip(out, good)):
        assert_same_bytes(g, w, f"accepted packet {i + 1}")


AH_MUTABLE = [
    Case("ah", None, A["ah-sha1"], "transport", 4, 4),
    Case("ah", None, A["ah-md5"], "transport", 6, 6),
    Case("ah", None, A["ah-sha256"], "tunnel", 4, 6),
    Case("esp+ah", E["aes128-cbc-sha1"], A["ah-sha256"], "transport", 6, 6),
]


def mutate(b: bytes, immutable: bool) -> bytes:
    """Change what RFC 4302 §3.3.3.1 calls mutable (IPv4 TOS, flags, TTL; IPv6 traffic class,
    flow label, hop limit) — or, with `immutable`, the IPv4 identification / IPv6 source
    address — as a router (or an attacker) would."""
    p = parse_ip(b)
    if p.version == 4:
        if immutable:
            p.id ^= 0x0101
        else:
            p.ttl -= 5
            p.tos ^= 0xFC
            p.flags = "DF" if not p.flags.DF else 0
        del p.chksum
    else:
        if immutable:
            p.src = "2001:db8:1::99" if p.src != "2001:db8:1::99" else "2001:db8:1::98"
        else:
            p.hlim -= 5
            p.tc ^= 0xFC
            p.fl ^= 0xABCDE
    return bytes(p.__class__(bytes(p)))


@pytest.mark.parametrize("case", AH_MUTABLE, ids=[c.id for c in AH_MUTABLE])
def test_ah_mutable_fields_do_not_matter(case, tmp_path):
    plain = [bytes(p) for p in plain_packets(case.inner)][:6]
    wires = [mutate(w, immutable=False) for w in protect_all(case, plain)]
    out, report = ipsecctl("decrypt", xfrm_specs(case, "in"), wires, LINKTYPE_RAW, tmp_path)
    assert report["packets"]["transformed"] == len(plain), report["drops"]
    for i, (g, p) in enumerate(zip(out, plain)):
        # transport mode keeps the (changed) outer header; tunnel mode gives the inner packet
        want = mutate(p, immutable=False) if case.mode == "transport" else p
        assert_same_bytes(g, want, f"packet {i + 1}")


@pytest.mark.parametrize("case", AH_MUTABLE, ids=[c.id for c in AH_MUTABLE])
def test_ah_immutable_field_is_icv_mismatch(case, tmp_path):
    plain = [bytes(p) for p in plain_packets(case.inner)][:6]
    wires = [mutate(w, immutable=True) for w in protect_all(case, plain)]
    # (the SA is looked up by SPI and destination, so a changed IPv6 source still finds it)
    out, report = ipsecctl("decrypt", xfrm_specs(case, "in"), wires, LINKTYPE_RAW, tmp_path)
    n = len(plain)
    assert out == []
    assert {k: v for k, v in report["drops"].items() if v} == {"icv_mismatch": n}


REPLAY_CASES = [
    Case("esp", E["aes128-cbc-sha256"], None, "transport", 4, 4),
    Case("esp", E["aes256-gcm16"], None, "tunnel", 6, 6, esn=True),
    Case("esp", E["null-sha1"], None, "transport", 4, 4, encap=True),
    Case("ah", None, A["ah-sha1"], "transport", 6, 6),
    Case("esp+ah", E["aes128-gcm16"], A["ah-md5"], "tunnel", 4, 4),
]


@pytest.mark.parametrize("case", REPLAY_CASES, ids=[c.id for c in REPLAY_CASES])
def test_replayed_and_too_old(case, tmp_path):
    plain = [bytes(p) for p in plain_packets(case.inner)][:5]
    f = case.first_seq
    # offsets from the first sequence number; window 64
    seqs = [f, f + 1, f + 2, f + 100, f + 30]
    wires = protect_all(case, plain, seqs)
    # replay packet 2 twice (exact copies, as captured), once right away and once at the end
    frames = [wires[0], wires[1], wires[1], wires[2], wires[3], wires[4], wires[1]]
    out, report = ipsecctl("decrypt", xfrm_specs(case, "in"), frames, LINKTYPE_RAW, tmp_path)
    drops = {k: v for k, v in report["drops"].items() if v}
    # frame 3: duplicate inside the window -> replayed; frame 6 (seq f+30) is left of the
    # window (f+37..f+100) -> too_old; frame 7 (seq f+1) also too_old.
    # With ESN only the low 32 bits are on the wire and RFC 4303 Appendix A2.2 infers the
    # high 32 bits: a low half below the window's bottom is taken to belong to the NEXT epoch
    # ("Seql < Tl ... Seqh = Th + 1"), the ICV computed over that 64-bit number fails, and the
    # packet is dropped as an integrity failure, as the RFC says it will be.
    old = "icv_mismatch" if case.esn else "too_old"
    want = {"replayed": 1, old: 2}
    assert drops == want, drops
    assert report["packets"] == {"read": 7, "transformed": 4, "passed": 0, "dropped": 3}
    for s in report["sas"]:
        assert s["drops"] == want
        assert s["last_seq"] == f + 100
    for g, p in zip(out, [plain[0], plain[1], plain[2], plain[3]]):
        assert_same_bytes(g, p, "accepted packet")
