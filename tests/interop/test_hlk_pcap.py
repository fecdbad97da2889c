"""`ipsecov2-hlk --pcap`: the real tool's captures decrypted by scapy and by tshark with the
keys files it writes (docs/interop.md, section 7; the checks are in hlk_pcap.py)."""

import os
import shutil
import subprocess

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


CHECKSUM_FIELDS = ["frame.number", "ip.checksum.status", "tcp.checksum.status",
                   "udp.checksum.status", "esp.spi"]


def tshark_checksums(pcap, keys_file, workdir):
    """tshark over `pcap` decrypting ESP with `keys_file` and validating every IPv4 header, TCP
    and UDP checksum (`-o ip/tcp/udp.check_checksum:TRUE`): per frame the statuses of each
    (occurrences in order: outer then inner), as strings ("Good", "Bad", "Unverified")."""
    conf = workdir / f"wireshark-conf-cs-{abs(hash(str(keys_file)))}"
    (conf / "wireshark").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(keys_file, conf / "wireshark" / "esp_sa")
    argv = [hp.TSHARK, "-n", "-r", str(pcap),
            "-o", "esp.enable_encryption_decode:TRUE",
            "-o", "ip.check_checksum:TRUE",
            "-o", "tcp.check_checksum:TRUE",
            "-o", "udp.check_checksum:TRUE",
            "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in CHECKSUM_FIELDS:
        argv += ["-e", f]
    env = dict(os.environ, XDG_CONFIG_HOME=str(conf), HOME=str(conf))
    r = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    rows = []
    for line in r.stdout.splitlines():
        vals = line.split("|")
        rows.append({f: (v.split(",") if v else []) for f, v in zip(CHECKSUM_FIELDS, vals)})
    return rows


def status_name(v):
    """tshark prints checksum statuses as numbers (0 Bad, 1 Good, 2 Unverified, 3 Not present,
    4 Illegal: a zero UDP checksum over IPv6)."""
    return {"0": "Bad", "1": "Good", "2": "Unverified", "3": "Not present", "4": "Illegal"}.get(v, v)


@needs_tshark
def test_tshark_verifies_every_checksum_of_the_checksum_cases(capture, tmp_path):
    """`send/checksum/...`: TCP/IP left the IPv4 header, TCP and UDP checksums to the NIC on
    protected packets; in the captures (what the filter sent, decrypted by tshark with the
    case's keys) every IPv4 header checksum, every TCP checksum and every UDP checksum that
    tshark can check is good, and the inner TCP/UDP checksums were all checked (ESP decrypted,
    AH in clear). Among them the `miniport-offloads` cases (the outer checksums left to the
    emulated miniport, which computes them before the wire) and `miniport-without-offload`."""
    out, _, side = capture
    cases = [c for c in side["cases"] if c["id"].startswith("send/checksum/")]
    assert len(cases) == 42, [c["id"] for c in cases]
    for who in ("miniport-offloads", "miniport-without-offload"):
        assert sum(1 for c in cases if c["id"].startswith(f"send/checksum/{who}/")) == 10, who
    problems, good = [], {"ip": 0, "tcp": 0, "udp": 0}
    for c in cases:
        rows = tshark_checksums(out / c["pcap"], out / c["esp_sa"], tmp_path)
        assert len(rows) == len(c["frames"]) > 0, c["id"]
        want_upper = "tcp" if c["id"].endswith("/tcp") else "udp"
        for n, row in enumerate(rows, 1):
            for layer in ("ip", "tcp", "udp"):
                statuses = [status_name(s) for s in row[f"{layer}.checksum.status"]]
                if "Bad" in statuses or "Illegal" in statuses:
                    problems.append(f"{c['id']} frame {n}: {layer} checksum statuses {statuses}")
                good[layer] += statuses.count("Good")
            upper = [status_name(s) for s in row[f"{want_upper}.checksum.status"]]
            if "Good" not in upper:
                problems.append(f"{c['id']} frame {n}: no {want_upper} checksum verified "
                                f"(statuses {upper}; ESP SPIs {row['esp.spi']})")
            if "/ipv4/" in c["id"] and "Good" not in [status_name(s) for s in row["ip.checksum.status"]]:
                problems.append(f"{c['id']} frame {n}: IPv4 header checksum not verified")
    assert problems == [], "\n".join(problems[:40])
    assert good["ip"] > 0 and good["tcp"] > 0 and good["udp"] > 0, good


def test_checksum_cases_are_checked_by_scapy(scapy_results, capture):
    """The same captures through scapy: each decrypted frame equals the frame with every
    checksum done (the sidecar's plain bytes), IV/ICV and UDP-ESP's checksum aside."""
    _, _, side = capture
    cases = [c for c in side["cases"] if c["id"].startswith("send/checksum/")]
    t, _ = hp.scapy_check(capture[0], cases)
    assert t.problems == [], "\n".join(t.problems[:40])
    sent = sum(1 for c in cases for f in c["frames"] if f["dir"] != "rx")
    assert sent > 0 and t.plain_equal == sent


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
