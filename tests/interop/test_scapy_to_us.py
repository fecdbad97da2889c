"""scapy -> us: scapy's SecurityAssociation protects plain packets, `ipsecctl pcap decrypt`
must give back exactly the original bytes (nothing is normalised, see docs/interop.md)."""

import pytest

from interop import (
    ScapySide, build_matrix, frame, ipsecctl, plain_packets, unframe, xfrm_specs,
)
from checks import assert_same_bytes, check_report

CASES = build_matrix()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_scapy_to_us(case, tmp_path):
    plain = [bytes(p) for p in plain_packets(case.inner)]
    side = ScapySide.of(case)
    wires = [side.encrypt(p, case.first_seq + i) for i, p in enumerate(plain)]
    frames = [frame(w, case.link) for w in wires]
    out, report = ipsecctl("decrypt", xfrm_specs(case, "in"), frames, case.link, tmp_path)
    check_report(case, report, "decrypt", plain, wires)
    assert len(out) == len(plain)
    for i, (got, want) in enumerate(zip(out, plain)):
        assert_same_bytes(unframe(got, case.link), want, f"packet {i + 1}")
