"""Assertions shared by the interop tests."""


def assert_same_bytes(got: bytes, want: bytes, what: str) -> None:
    if got == want:
        return
    n = min(len(got), len(want))
    first = next((i for i in range(n) if got[i] != want[i]), n)
    raise AssertionError(
        f"{what}: bytes differ at offset {first} (lengths {len(got)} vs {len(want)})\n"
        f"  got : {got[max(0, first - 8):first + 24].hex()}\n"
        f"  want: {want[max(0, first - 8):first + 24].hex()}"
    )


def check_report(case, report: dict, op: str, plain: list[bytes], wires: list[bytes]) -> None:
    """The JSON counts of a run in which every packet was transformed."""
    n = len(plain)
    assert report["command"] == op
    assert report["link_type"] == case.link
    assert report["packets"] == {"read": n, "transformed": n, "passed": 0, "dropped": 0}
    assert {k: v for k, v in report["drops"].items() if v} == {}
    sas = report["sas"]
    protos = [p for p, a in (("esp", case.esp), ("ah", case.ah)) if a is not None]
    assert [s["proto"] for s in sas] == protos
    for k, s in enumerate(sas):
        assert s["dir"] == ("out" if op == "encrypt" else "in")
        assert s["mode"] == case.mode
        assert s["esn"] == case.esn
        assert s["packets"] == n, s
        assert s["dropped"] == 0 and s["drops"] == {}
        assert s["bytes"] == sum(len(p) for p in plain)
        assert s["wire_bytes"] == sum(len(w) for w in wires)
        assert s["last_seq"] == case.first_seq + n - 1, s
        assert s["bundle_with"] == (2 - k if len(sas) == 2 else None)
        assert s["encap"] == ("espinudp 4500 4500" if case.encap and s["proto"] == "esp" else None)
