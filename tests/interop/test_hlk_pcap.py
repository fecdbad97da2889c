"""`ipsecov2-hlk --pcap`: the real tool's captures decrypted by scapy and by tshark with the
keys files it writes (docs/interop.md, section 7; the checks are in hlk_pcap.py)."""

import os
import shutil

import pytest

import hlk_pcap as hp
from interop import read_pcap, write_pcap

if hp.TSHARK is None and os.environ.get("INTEROP_REQUIRE_TSHARK") == "1":
    raise RuntimeError("tshark is required (tests/interop/run installs it)")
needs_tshark = pytest.mark.skipif(hp.TSHARK is None, reason="tshark is not installed")

GROUPS = ["send", "receive", "combinations", "delete-update", "two-hosts", "pause-restart",
          "tcpip"]


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    out = tmp_path_factory.mktemp("hlk-pcap")
    stdout, side = hp.run_hlk(out)
    return out, stdout, side


@pytest.fixture(scope="module")
def scapy_results(capture):
    out, _, side = capture
    return hp.scapy_check(out, side["cases"])


def group_cases(side, group):
    return [c for c in side["cases"] if c["id"].startswith(group + "/")]


def test_tool_passes_and_writes_every_file(capture):
    out, stdout, side = capture
    last = stdout.strip().splitlines()[-1]
    assert last.endswith(" passed, 0 failed"), last
    assert side["tool"] == "ipsecov2-hlk" and side["linktype"] == 1
    assert len(side["cases"]) > 250
    for c in side["cases"]:
        lt, frames = read_pcap(out / c["pcap"])
        assert lt == 1 and len(frames) == len(c["frames"]) > 0, c["id"]
        assert (out / c["esp_sa"]).is_file(), c["id"]
    rows = [ln for ln in (out / "esp_sa").read_text().splitlines() if not ln.startswith("#")]
    assert len(rows) > 150 and all(ln.count('","') == 7 for ln in rows)
    # Every case not in the merged file has its own conflicting SA listed.
    assert {c["id"] for c in side["cases"] if not c["in_global_esp_sa"]} == \
        set(side["esp_sa_conflicts"])


@pytest.mark.parametrize("group", GROUPS)
def test_scapy_decrypts_every_frame(capture, scapy_results, group):
    _, _, side = capture
    t, _ = hp.scapy_check(capture[0], group_cases(side, group))
    assert t.problems == [], "\n".join(t.problems[:40])
    assert t.frames > 0 and t.esp_verified > 0
    if group in ("send", "combinations", "two-hosts", "pause-restart", "tcpip"):
        # every frame the filter sent is checked against TCP/IP's frame
        assert t.plain_equal == sum(1 for c in group_cases(side, group)
                                    for f in c["frames"] if f["dir"] != "rx")
    if group == "receive":
        assert t.rejected >= 40  # tampered and truncated frames scapy rejects like the filter


def test_scapy_counts(scapy_results):
    t, _ = scapy_results
    assert t.problems == [], "\n".join(t.problems[:40])
    # AH-GMAC (scapy has no such AH algorithm) is the only AH left unverified.
    assert t.ah_verified > 100 and t.esp_verified > 900
    print(f"scapy: {t}")


@needs_tshark
@pytest.mark.parametrize("group", GROUPS)
def test_tshark_decrypts_with_the_keys_files(capture, scapy_results, group, tmp_path):
    out, _, side = capture
    _, results = scapy_results
    t = hp.tshark_check(out, group_cases(side, group), results, tmp_path)
    assert t.problems == [], "\n".join(t.problems[:40])
    assert t.frames > 0 and t.esp_verified > 0 and t.plain_equal > 0
    if group == "receive":
        assert t.rejected >= 25


def corrupt(src, dst, case, *, byte_from_end):
    """A copy of `case`'s capture and sidecar entry with one byte of frame 1 flipped."""
    lt, frames = read_pcap(src / case["pcap"])
    bad = bytearray(frames[0])
    bad[len(bad) - byte_from_end] ^= 0x20
    frames[0] = bytes(bad)
    (dst / case["pcap"]).parent.mkdir(parents=True, exist_ok=True)
    write_pcap(dst / case["pcap"], frames, lt)
    shutil.copyfile(src / case["esp_sa"], dst / case["esp_sa"])
    return dict(case, in_global_esp_sa=False)


@pytest.mark.parametrize("case_id,byte_from_end", [
    ("send/esp-aes128-sha1/tunnel/ipv4", 20),  # ciphertext
    ("send/esp-gcm256-16/transport/ipv6", 1),  # ICV
    ("send/ah-sha256/transport/ipv4", 3),  # payload under AH
])
def test_corrupted_capture_fails(capture, tmp_path, case_id, byte_from_end):
    out, _, side = capture
    case = next(c for c in side["cases"] if c["id"] == case_id)
    bad = corrupt(out, tmp_path / "bad", case, byte_from_end=byte_from_end)
    t, results = hp.scapy_check(tmp_path / "bad", [bad])
    assert any("frame 1 " in p for p in t.problems), t.problems
    if hp.TSHARK is not None and "/esp-" in case_id:
        ts = hp.tshark_check(tmp_path / "bad", [bad], results, tmp_path)
        # scapy already failed frame 1, so tshark is compared on the good frames only; a
        # sidecar claiming the corrupted frame as good must make tshark disagree too
        assert ts.problems == []
        res = hp.FrameResult(levels=[hp.Level("esp", case["sas"][0]["spi"], case["sas"][0],
                                              True, b"\0", b"\0", 6)])
        results[(case_id, 0)] = res
        ts = hp.tshark_check(tmp_path / "bad", [bad], results, tmp_path)
        assert any("frame 1 " in p and "ICV" in p for p in ts.problems), ts.problems
