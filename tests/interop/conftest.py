"""pytest configuration of the interoperability tests: make `interop` importable and print the
versions of the independent implementations in the header."""

import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402

pytest.register_assert_rewrite("checks")

import interop  # noqa: E402


def pytest_report_header(config):
    import cryptography
    import scapy

    lines = [f"scapy {scapy.__version__}, cryptography {cryptography.__version__}",
             f"ipsecctl: {interop.IPSECCTL}"]
    ts = shutil.which("tshark")
    if ts:
        v = subprocess.run([ts, "--version"], capture_output=True, text=True).stdout.splitlines()
        lines.append(v[0] if v else "tshark: unknown version")
    else:
        lines.append("tshark: not found")
    return lines
