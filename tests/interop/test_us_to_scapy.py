"""us -> scapy: `ipsecctl pcap encrypt` protects plain packets; scapy must verify (ICV) and
decrypt every one back to the original bytes, and scapy protecting the original with the
sequence number and IV we used must produce our packet byte for byte."""

import pytest

from interop import (
    ScapySide, build_matrix, frame, ipsecctl, plain_packets, unframe, wire_seq_and_iv, xfrm_specs,
)
from checks import assert_same_bytes, check_report

CASES = build_matrix()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_us_to_scapy(case, tmp_path):
    plain = [bytes(p) for p in plain_packets(case.inner)]
    frames = [frame(p, case.link) for p in plain]
    out, report = ipsecctl("encrypt", xfrm_specs(case, "out"), frames, case.link, tmp_path)
    assert len(out) == len(plain)
    wires = [unframe(f, case.link) for f in out]
    check_report(case, report, "encrypt", plain, wires)
    side = ScapySide.of(case)
    for i, (p, wire) in enumerate(zip(plain, wires)):
        seq64 = case.first_seq + i
        lo, iv = wire_seq_and_iv(case, wire)
        assert lo == seq64 & 0xFFFFFFFF, f"packet {i + 1}: sequence number"
        # 1. scapy verifies the ICV(s) and decrypts: the original packet comes back.
        assert_same_bytes(side.decrypt(wire, seq64), p, f"packet {i + 1} decrypted by scapy")
        # 2. scapy protects the original with our sequence number and IV: same bytes.
        again = side.encrypt(p, seq64, iv=iv if case.esp is not None else None)
        assert_same_bytes(wire, again, f"packet {i + 1} (ours vs scapy's with the same IV)")
