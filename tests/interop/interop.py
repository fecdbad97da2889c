"""Shared machinery of the interoperability tests (see docs/interop.md).

Everything here is deliberately small and explicit: a pcap reader/writer, the
algorithm table that maps each algorithm to scapy's name and to the
`ip xfrm state` syntax of ipsecctl, the test matrix, the plain packets, the
scapy side of every SA and a wrapper around the real `ipsecctl` binary.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import algorithms, modes
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
from scapy.layers.ipsec import (
    AH,
    CRYPT_ALGOS,
    ESP,
    CryptAlgo,
    SecurityAssociation,
)
from scapy.layers.l2 import Ether
from scapy.packet import Raw, bind_layers, split_layers

REPO = Path(__file__).resolve().parents[2]
IPSECCTL = os.environ.get("IPSECCTL") or str(REPO / "target" / "release" / "ipsecctl")

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101

# --------------------------------------------------------------------------------------------
# pcap files (written and read here, so both sides see exactly the bytes we mean)
# --------------------------------------------------------------------------------------------


def write_pcap(path: Path, frames: list[bytes], linktype: int) -> None:
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for i, b in enumerate(frames):
            f.write(struct.pack("<IIII", 1_700_000_000 + i, 0, len(b), len(b)))
            f.write(b)


def read_pcap(path: Path) -> tuple[int, list[bytes]]:
    data = Path(path).read_bytes()
    magic_le = struct.unpack("<I", data[:4])[0]
    if magic_le in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif struct.unpack(">I", data[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D):
        e = ">"
    else:
        raise ValueError(f"{path}: not a pcap file (magic {data[:4].hex()})")
    linktype = struct.unpack(e + "I", data[20:24])[0]
    frames = []
    off = 24
    while off < len(data):
        _s, _u, incl, orig = struct.unpack(e + "IIII", data[off : off + 16])
        off += 16
        assert incl == orig, "ipsecctl output must not be truncated"
        frames.append(data[off : off + incl])
        off += incl
    return linktype, frames


# --------------------------------------------------------------------------------------------
# ipsecctl
# --------------------------------------------------------------------------------------------


def ipsecctl(op: str, sas: list[str], frames: list[bytes], linktype: int, workdir: Path,
             name: str = "cap") -> tuple[list[bytes], dict]:
    """Run `ipsecctl pcap OP` on the frames; return the output frames and the JSON report."""
    src = workdir / f"{name}-{op}-in.pcap"
    dst = workdir / f"{name}-{op}-out.pcap"
    write_pcap(src, frames, linktype)
    argv = [IPSECCTL, "pcap", op]
    for s in sas:
        argv += ["--sa", s]
    argv += ["--in", str(src), "--out", str(dst), "--json"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"ipsecctl failed ({r.returncode}): {r.stderr}\nargv: {argv}"
    report = json.loads(r.stdout)
    lt, out = read_pcap(dst)
    assert lt == linktype
    return out, report


# --------------------------------------------------------------------------------------------
# Algorithms
# --------------------------------------------------------------------------------------------

# scapy 2.7's 'AES-GCM' uses cryptography's AESGCM, which always produces and expects a 16-byte
# tag, so `crypt_icv_size` 8/12 is silently ignored. scapy's generic CryptAlgo path (a
# `modes.GCM` mode, not the AEAD API) does truncate the tag to `icv_size` and verifies truncated
# tags (`modes.GCM(iv, tag, min_tag_length=len(tag))`), so RFC 4106's 8- and 12-octet ICVs are
# tested through that path of scapy's own class, registered under a name of our own.
CRYPT_ALGOS["AES-GCM-TRUNC"] = CryptAlgo(
    "AES-GCM-TRUNC",
    cipher=algorithms.AES,
    mode=modes.GCM,
    key_size=(16, 24, 32),
    salt_size=4,
    block_size=1,
    iv_size=8,
    icv_size=16,
    format_mode_iv=lambda sa, iv, **kw: sa.crypt_salt + iv,
)


@dataclass(frozen=True)
class EspAlg:
    id: str
    scapy_crypt: str  # scapy CRYPT_ALGOS name
    key_len: int  # encryption key length as given to both sides (GCM/GMAC: AES key + 4 salt)
    xfrm_enc: str | None  # `enc` name, or None for aead
    xfrm_aead: str | None = None
    icv_bits: int = 0  # aead ICV length
    scapy_auth: str | None = None
    auth_key_len: int = 0
    xfrm_auth: str | None = None
    auth_bits: int = 0
    iv_len: int = 0
    # tshark (Wireshark ESP SA table) names; None: this tshark cannot decode it
    ws_enc: str | None = None
    ws_auth: str | None = None


_HMAC = {
    "sha1": ("HMAC-SHA1-96", 20, "hmac(sha1)", 96, "HMAC-SHA-1-96 [RFC2404]"),
    "sha256": ("SHA2-256-128", 32, "hmac(sha256)", 128, "HMAC-SHA-256-128 [RFC4868]"),
    "md5": ("HMAC-MD5-96", 16, "hmac(md5)", 96, "HMAC-MD5-96 [RFC2403]"),
}


def _cbc(id_, scapy_name, key_len, xfrm, iv_len, mac, ws_enc):
    sa_name, mkey, xauth, bits, ws_auth = _HMAC[mac]
    return EspAlg(id=id_, scapy_crypt=scapy_name, key_len=key_len, xfrm_enc=xfrm,
                  scapy_auth=sa_name, auth_key_len=mkey, xfrm_auth=xauth, auth_bits=bits,
                  iv_len=iv_len, ws_enc=ws_enc, ws_auth=ws_auth)


def _gcm(bits, icv):
    scapy_name = "AES-GCM" if icv == 16 else "AES-GCM-TRUNC"
    return EspAlg(id=f"aes{bits}-gcm{icv}", scapy_crypt=scapy_name, key_len=bits // 8 + 4,
                  xfrm_enc=None, xfrm_aead="rfc4106(gcm(aes))", icv_bits=icv * 8, iv_len=8,
                  ws_enc=f"AES-GCM with {icv} octet ICV [RFC4106]", ws_auth="NULL")


def _gmac(bits):
    # Wireshark 4.0 has no ENCR_NULL_AUTH_AES_GMAC entry in its ESP SA table.
    return EspAlg(id=f"aes{bits}-gmac", scapy_crypt="AES-NULL-GMAC", key_len=bits // 8 + 4,
                  xfrm_enc=None, xfrm_aead="rfc4543(gcm(aes))", icv_bits=128, iv_len=8)


ESP_ALGS: dict[str, EspAlg] = {}
for _a in (
    [_gcm(b, 16) for b in (128, 192, 256)]
    + [_gcm(b, icv) for b in (128, 256) for icv in (8, 12)]
    + [_gmac(b) for b in (128, 192, 256)]
    + [_cbc(f"aes{b}-cbc-{m}", "AES-CBC", b // 8, "cbc(aes)", 16, m, "AES-CBC [RFC3602]")
       for b in (128, 192, 256) for m in ("sha1", "sha256", "md5")]
    + [_cbc(f"null-{m}", "NULL", 0, "ecb(cipher_null)", 0, m, "NULL") for m in ("sha1", "sha256", "md5")]
    + [_cbc("des-cbc-sha1", "DES", 8, "cbc(des)", 8, "sha1", "DES-CBC [RFC2405]"),
       _cbc("3des-cbc-sha1", "3DES", 24, "cbc(des3_ede)", 8, "sha1", "TripleDES-CBC [RFC2451]")]
):
    ESP_ALGS[_a.id] = _a


@dataclass(frozen=True)
class AhAlg:
    id: str
    scapy_auth: str
    key_len: int
    xfrm_auth: str
    bits: int


AH_ALGS = {
    f"ah-{m}": AhAlg(f"ah-{m}", _HMAC[m][0], _HMAC[m][1], _HMAC[m][2], _HMAC[m][3])
    for m in ("md5", "sha1", "sha256")
}


def key_for(case_id: str, what: str, n: int) -> bytes:
    """Deterministic key material (so a failure reproduces), different per case and use."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{case_id}/{what}/{i}".encode()).digest()
        i += 1
    return out[:n]


# --------------------------------------------------------------------------------------------
# The matrix
# --------------------------------------------------------------------------------------------

# (mode, outer family, inner family)
TOPOLOGIES = [
    ("transport", 4, 4),
    ("transport", 6, 6),
    ("tunnel", 4, 4),
    ("tunnel", 6, 6),
    ("tunnel", 6, 4),  # IPv4 in IPv6
    ("tunnel", 4, 6),  # IPv6 in IPv4
]

ADDR = {
    # transport endpoints == tunnel inner hosts
    4: ("192.0.2.1", "192.0.2.2"),
    6: ("2001:db8:1::1", "2001:db8:2::2"),
}
GW = {
    4: ("198.51.100.1", "198.51.100.2"),
    6: ("2001:db8:ffff::1", "2001:db8:ffff::2"),
}

ESP_SPI = 0x0C0FFEE1
AH_SPI = 0x0000A4A4

# ESN: the first packet of a run has this 64-bit sequence number, so the run crosses from high
# word 5 to 6, with a packet whose low 32 bits are 0 (valid with ESN: 2^32 * 6).
ESN_FIRST = (5 << 32) | 0xFFFFFFF8
PLAIN_FIRST = 1


@dataclass(frozen=True)
class Case:
    proto: str  # "esp", "ah", "esp+ah"
    esp: EspAlg | None
    ah: AhAlg | None
    mode: str
    outer: int
    inner: int
    encap: bool = False
    esn: bool = False
    link: int = LINKTYPE_RAW

    @property
    def id(self) -> str:
        algs = "+".join(a.id for a in (self.esp, self.ah) if a is not None)
        topo = f"{self.mode}-v{self.outer}" if self.mode == "transport" else \
            f"tunnel-v{self.inner}in{self.outer}"
        parts = [self.proto, algs, topo]
        if self.encap:
            parts.append("udpencap")
        if self.esn:
            parts.append("esn")
        parts.append("eth" if self.link == LINKTYPE_ETHERNET else "raw")
        return "-".join(parts)

    @property
    def first_seq(self) -> int:
        return ESN_FIRST if self.esn else PLAIN_FIRST

    # ---- keys -------------------------------------------------------------------------------
    def esp_keys(self) -> tuple[bytes, bytes]:
        a = self.esp
        return key_for(self.id, "enc", a.key_len), key_for(self.id, "auth", a.auth_key_len)

    def ah_key(self) -> bytes:
        return key_for(self.id, "ah", self.ah.key_len)

    # ---- addresses --------------------------------------------------------------------------
    def sa_addrs(self) -> tuple[str, str]:
        return (ADDR if self.mode == "transport" else GW)[self.outer]


def _esp_only_algs():
    return list(ESP_ALGS.values())


def build_matrix() -> list[Case]:
    cases: list[Case] = []
    ah_cycle = list(AH_ALGS.values())
    for esn in (False, True):
        for mode, outer, inner in TOPOLOGIES:
            cross = outer != inner
            for i, e in enumerate(_esp_only_algs()):
                link = LINKTYPE_ETHERNET if cross else LINKTYPE_RAW
                cases.append(Case("esp", e, None, mode, outer, inner, esn=esn, link=link))
                if outer == 4:
                    cases.append(Case("esp", e, None, mode, outer, inner, encap=True, esn=esn,
                                      link=link))
                # ESP+AH: every ESP algorithm, the AH algorithm cycling through the three.
                cases.append(Case("esp+ah", e, ah_cycle[i % len(ah_cycle)], mode, outer, inner,
                                  esn=esn, link=LINKTYPE_ETHERNET))
            for a in AH_ALGS.values():
                cases.append(Case("ah", None, a, mode, outer, inner, esn=esn,
                                  link=LINKTYPE_ETHERNET if cross else LINKTYPE_RAW))
            # Ethernet for single SAs too, on a few algorithms of every topology.
            for eid in ("aes128-cbc-sha256", "aes256-gcm16"):
                if not cross:
                    cases.append(Case("esp", ESP_ALGS[eid], None, mode, outer, inner, esn=esn,
                                      link=LINKTYPE_ETHERNET))
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return cases


# --------------------------------------------------------------------------------------------
# ip xfrm state specifications
# --------------------------------------------------------------------------------------------


def _seq_words(s64: int) -> tuple[int, int]:
    return s64 & 0xFFFFFFFF, s64 >> 32


def xfrm_specs(case: Case, direction: str) -> list[str]:
    """The --sa strings: direction 'out' (encrypt) or 'in' (decrypt). ESP first, then AH."""
    src, dst = case.sa_addrs()
    common = f"mode {case.mode} reqid 7"
    if case.esn:
        common += " flag esn"
    if direction == "out":
        lo, hi = _seq_words(case.first_seq - 1)
        common += f" replay-oseq {lo:#x}"
        if case.esn:
            common += f" replay-oseq-hi {hi:#x}"
    else:
        lo, hi = _seq_words(case.first_seq - 1)
        common += " replay-window 64"
        if lo or hi:
            common += f" replay-seq {lo:#x}"
        if case.esn:
            common += f" replay-seq-hi {hi:#x}"
    specs = []
    if case.esp is not None:
        a = case.esp
        ek, ak = case.esp_keys()
        if a.xfrm_aead:
            algs = f"aead '{a.xfrm_aead}' 0x{ek.hex()} {a.icv_bits}"
        else:
            ekey = f"0x{ek.hex()}" if ek else "''"
            algs = f"enc '{a.xfrm_enc}' {ekey} auth-trunc '{a.xfrm_auth}' 0x{ak.hex()} {a.auth_bits}"
        s = f"src {src} dst {dst} proto esp spi {ESP_SPI:#010x} {common} {algs}"
        if case.encap:
            s += " encap espinudp 4500 4500 0.0.0.0"
        specs.append(s)
    if case.ah is not None:
        h = case.ah
        s = (f"src {src} dst {dst} proto ah spi {AH_SPI:#010x} {common} "
             f"auth-trunc '{h.xfrm_auth}' 0x{case.ah_key().hex()} {h.bits}")
        specs.append(s)
    return specs


# --------------------------------------------------------------------------------------------
# Plain packets
# --------------------------------------------------------------------------------------------

UDP_SIZES = list(range(1, 17))  # every ESP pad length for 16-byte blocks


def plain_packets(family: int) -> list:
    """Plain IP packets (scapy objects, canonicalised through their bytes)."""
    src, dst = ADDR[family]
    pkts = []

    def ip(tos, **kw):
        if family == 4:
            return IP(src=src, dst=dst, tos=tos, ttl=kw.get("ttl", 63), id=kw.get("id", 0x1234),
                      flags=kw.get("flags", "DF"))
        return IPv6(src=src, dst=dst, tc=tos, fl=kw.get("fl", 0x9ABCD), hlim=kw.get("ttl", 63))

    def icmp(n):
        if family == 4:
            return ICMP(type=8, id=0x55, seq=n) / Raw(bytes((n + i) & 0xFF for i in range(n)))
        return ICMPv6EchoRequest(id=0x55, seq=n, data=bytes((n + i) & 0xFF for i in range(n)))

    def body(n):
        return Raw(bytes((7 * n + i) & 0xFF for i in range(n)))

    pkts.append(ip(0x28, id=1) / TCP(sport=40000, dport=443, flags="PA", seq=1000, ack=2000) / body(1))
    pkts.append(ip(0x00, id=2, flags=0) / icmp(1))
    for k, n in enumerate(UDP_SIZES):
        # tos: DSCP AF41 with ECT(0) on some, Not-ECT on others (RFC 6040 copying).
        tos = 0x8A if k % 3 == 0 else 0x88
        pkts.append(ip(tos, id=10 + k, flags="DF" if k % 2 else 0, fl=0x12345 + k)
                    / UDP(sport=5000 + k, dport=50999) / body(n))
    pkts.append(ip(0xB8, id=40) / TCP(sport=40001, dport=80, flags="A") / body(1400))
    pkts.append(ip(0x00, id=41, flags=0) / UDP(sport=6000, dport=6001) / body(1400))
    pkts.append(ip(0x28, id=42) / icmp(1400))
    cls = IP if family == 4 else IPv6
    return [cls(bytes(p)) for p in pkts]


def frame(ip_bytes: bytes, link: int) -> bytes:
    """A captured frame: raw IP, or Ethernet padded to the 60-byte minimum as on the wire
    (so the IP length, not the frame length, must delimit the datagram)."""
    if link == LINKTYPE_RAW:
        return ip_bytes
    t = 0x0800 if ip_bytes[0] >> 4 == 4 else 0x86DD
    f = bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02", type=t)) + ip_bytes
    return f + bytes(max(0, 60 - len(f)))


def unframe(b: bytes, link: int) -> bytes:
    """The IP datagram of an output frame; an Ethernet frame must carry nothing after it (a
    replaced datagram is written without the input's padding)."""
    if link == LINKTYPE_RAW:
        return b
    t = struct.unpack("!H", b[12:14])[0]
    ip = b[14:]
    assert t == (0x0800 if ip[0] >> 4 == 4 else 0x86DD), "EtherType does not match the IP version"
    assert b[:12] == bytes.fromhex("020000000002020000000001"), "Ethernet addresses changed"
    return ip


def parse_ip(b: bytes):
    return IP(b) if b[0] >> 4 == 4 else IPv6(b)


# --------------------------------------------------------------------------------------------
# The scapy side of a case
# --------------------------------------------------------------------------------------------


def tunnel_header(case: Case, inner_bytes: bytes, seq: int):
    """The outer header of tunnel mode as RFC 4301 §5.1.2 lets it be built, with the choices
    the engine documents (docs/engine.md): IPv4 TTL 64, DSCP+ECN copied, DF copied from an inner
    IPv4 header (clear for inner IPv6), identification = low 16 bits of the sequence number;
    IPv6 hop limit 64, traffic class copied, flow label copied from an inner IPv6 header."""
    src, dst = GW[case.outer]
    if inner_bytes[0] >> 4 == 4:
        tos = inner_bytes[1]
        df = bool(inner_bytes[6] & 0x40)
        fl = 0
    else:
        tos = ((inner_bytes[0] & 0x0F) << 4) | (inner_bytes[1] >> 4)
        df = False
        fl = ((inner_bytes[1] & 0x0F) << 16) | (inner_bytes[2] << 8) | inner_bytes[3]
    if case.outer == 4:
        return IP(src=src, dst=dst, tos=tos, ttl=64, id=seq & 0xFFFF, flags="DF" if df else 0)
    return IPv6(src=src, dst=dst, tc=tos, fl=fl, hlim=64)


@dataclass
class ScapySide:
    case: Case
    esp: SecurityAssociation | None = None
    ah: SecurityAssociation | None = None
    _dummy_tunnel: object = field(default=None)

    @classmethod
    def of(cls, case: Case) -> "ScapySide":
        s = cls(case)
        src, dst = GW[case.outer]
        dummy = (IP(src=src, dst=dst) if case.outer == 4 else IPv6(src=src, dst=dst)) \
            if case.mode == "tunnel" else None
        if case.esp is not None:
            a = case.esp
            ek, ak = case.esp_keys()
            s.esp = SecurityAssociation(
                ESP, spi=ESP_SPI, crypt_algo=a.scapy_crypt, crypt_key=ek or None,
                crypt_icv_size=(a.icv_bits // 8) or None,
                auth_algo=a.scapy_auth, auth_key=ak or None, tunnel_header=dummy,
                nat_t_header=UDP(sport=4500, dport=4500) if case.encap else None,
                esn_en=case.esn)
        if case.ah is not None:
            s.ah = SecurityAssociation(
                AH, spi=AH_SPI, auth_algo=case.ah.scapy_auth, auth_key=case.ah_key(),
                # In a bundle the tunnel (if any) is ESP's; AH then covers the outer header.
                tunnel_header=dummy if case.esp is None else None, esn_en=case.esn)
        return s

    def encrypt(self, pkt_bytes: bytes, seq64: int, iv: bytes | None = None) -> bytes:
        """Protect one plain packet with explicit 64-bit sequence number (and IV)."""
        lo, hi = _seq_words(seq64)
        cur = parse_ip(pkt_bytes)
        for sa in (self.esp, self.ah):
            if sa is None:
                continue
            if sa.tunnel_header is not None:
                sa.tunnel_header = tunnel_header(self.case, pkt_bytes, seq64)
            # scapy uses `seq_num or self.seq_num` and `esn or self.esn`: set the attributes so
            # that a low word (or high word) of 0 is honoured.
            sa.seq_num = lo
            sa.esn = hi
            if sa is self.esp:
                cur = sa.encrypt(cur, iv=iv)
            else:
                if self.esp is not None:
                    with _esp_undissected():
                        cur = sa.encrypt(parse_ip(bytes(cur)))
                else:
                    cur = sa.encrypt(cur)
            cur = parse_ip(bytes(cur))
        return bytes(cur)

    def decrypt(self, wire: bytes, seq64: int) -> bytes:
        """Verify and remove the protection (AH first, then ESP) with scapy; raises on a bad ICV."""
        lo, hi = _seq_words(seq64)
        cur = parse_ip(wire)
        for sa in (self.ah, self.esp):
            if sa is None:
                continue
            sa.esn = hi
            out = sa.decrypt(cur, esn=hi or None)
            cur = parse_ip(bytes(out))
        return bytes(cur)


@contextlib.contextmanager
def _esp_undissected():
    """scapy 2.7 `AuthAlgo.sign` tests `pkt.haslayer(ESP)` before `pkt.haslayer(AH)`, so AH
    applied to an IP/ESP packet (an ESP+AH bundle) appends the AH ICV to the ESP data and
    leaves the AH ICV field zero. `split_for_transport` re-dissects the packet from its bytes,
    so the ESP layer is unbound from IP/IPv6 while AH is applied: AH then sees the ESP packet
    as opaque bytes (which is what it is to AH) and scapy's AH code computes the ICV."""
    split_layers(IP, ESP, proto=socket.IPPROTO_ESP)
    split_layers(IPv6, ESP, nh=socket.IPPROTO_ESP)
    try:
        yield
    finally:
        bind_layers(IP, ESP, proto=socket.IPPROTO_ESP)
        bind_layers(IPv6, ESP, nh=socket.IPPROTO_ESP)


def esp_offset(ip_bytes: bytes) -> tuple[int, int]:
    """(offset of the first IPsec header, its protocol) in a packet built by the tests (no
    IPv4 options, no IPv6 extension headers before it)."""
    if ip_bytes[0] >> 4 == 4:
        off = (ip_bytes[0] & 0x0F) * 4
        proto = ip_bytes[9]
    else:
        off = 40
        proto = ip_bytes[6]
    if proto == 17:  # UDP-encapsulated ESP
        return off + 8, 50
    return off, proto


def wire_seq_and_iv(case: Case, wire: bytes) -> tuple[int, bytes]:
    """Low 32 bits of the sequence number and the ESP IV of a protected packet."""
    off, proto = esp_offset(wire)
    if proto == 51:
        ah_seq = struct.unpack("!I", wire[off + 8 : off + 12])[0]
        ah_len = (wire[off + 1] + 2) * 4
        if case.esp is None:
            return ah_seq, b""
        off += ah_len
        proto = 50
    assert proto == 50, f"expected ESP, found protocol {proto}"
    seq = struct.unpack("!I", wire[off + 4 : off + 8])[0]
    return seq, wire[off + 8 : off + 8 + case.esp.iv_len]
