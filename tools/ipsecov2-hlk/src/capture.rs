//! `--pcap DIR`: the wire traffic of the cases as pcap files, a Wireshark `esp_sa` keys file and a
//! JSON sidecar (`sas.json`) with every SA and, per frame, what the case meant (docs/hlk.md).
//!
//! The hook is narrow: [`install`] puts a [`Capture`] in a thread-local slot, [`set_case`] names
//! the case that runs, and the tool's `tcpip` module reports through [`hook`] the SAs it installs
//! ([`Capture::sa`]), the ESN updates ([`Capture::update`]), the protected frames the filter sends
//! down and the frames injected from the wire on receive ([`Capture::frame`]). Without `--pcap`
//! nothing is installed and every hook is one thread-local check.
//!
//! The model is one wire between the sending and the receiving filter module: a frame the case
//! receives that is byte-identical to one it sent (or received) before is the same wire frame, so
//! it is written once and its record lists both directions.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::{AddSa, Sec};

/// pcap link type of the captures: Ethernet.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// Seconds of the first frame's timestamp (frame `i` of a case is `i` microseconds later).
const TS_BASE: u32 = 1_700_000_000;

/// One ESP or AH SA a case installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaRecord {
    /// Inbound SA (else outbound).
    pub inbound: bool,
    /// IPv6 addresses (else IPv4 in the first 4 bytes).
    pub v6: bool,
    /// Source address.
    pub src: [u8; 16],
    /// Destination address (all zero: wildcard).
    pub dst: [u8; 16],
    /// ESP (else AH).
    pub esp: bool,
    /// SPI.
    pub spi: u32,
    /// `IPSEC_OFFLOAD_V2_ENCRYPTION_*` (0 for AH).
    pub enc: u32,
    /// Encryption key, salt included for AES-GCM.
    pub enc_key: Vec<u8>,
    /// `IPSEC_OFFLOAD_V2_AUTHENTICATION_*` (0 for none).
    pub auth: u32,
    /// Authentication key, salt included for AES-GMAC.
    pub auth_key: Vec<u8>,
    /// ICV length of an AES-GCM ESP SA (`EncryptionAlgorithm.AdditionalInfo`).
    pub gcm_icv: u32,
    /// ESN SA.
    pub esn: bool,
    /// ESN high-order bits (updated by UPDATE_SA).
    pub seq_high: u32,
    /// `UdpEspEncapsulation`.
    pub udp_esp: u32,
    /// Offload handle the filter returned for the ADD_SA element.
    pub handle: u64,
    /// Index of the other SA of an ESP+AH bundle.
    pub bundle_with: Option<usize>,
}

impl SaRecord {
    fn family(&self) -> &'static str {
        if self.v6 {
            "IPv6"
        } else {
            "IPv4"
        }
    }

    fn addr(&self, a: &[u8; 16]) -> String {
        if a.iter().all(|&b| b == 0) {
            return "*".into();
        }
        if self.v6 {
            Ipv6Addr::from(*a).to_string()
        } else {
            Ipv4Addr::new(a[0], a[1], a[2], a[3]).to_string()
        }
    }

    fn is_gcm(&self) -> bool {
        matches!(
            self.enc,
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_128
                | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_192
                | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_256
        )
    }

    fn is_gmac(&self) -> bool {
        matches!(
            self.auth,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_128
                | IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_192
                | IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_256
        )
    }

    /// (name, key without salt, salt, IV length, block size) of the encryption.
    fn enc_view(&self) -> (&'static str, &[u8], &[u8], usize, usize) {
        let k = self.enc_key.as_slice();
        let (gk, gs) = k_split(k);
        match self.enc {
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_128 => ("AES-GCM-128", gk, gs, 8, 4),
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_192 => ("AES-GCM-192", gk, gs, 8, 4),
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_256 => ("AES-GCM-256", gk, gs, 8, 4),
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128 => ("AES-CBC-128", k, &[], 16, 16),
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_192 => ("AES-CBC-192", k, &[], 16, 16),
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_256 => ("AES-CBC-256", k, &[], 16, 16),
            IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC => ("DES-CBC", k, &[], 8, 8),
            IPSEC_OFFLOAD_V2_ENCRYPTION_3_DES_CBC => ("3DES-CBC", k, &[], 8, 8),
            // ESP-GMAC: the 8-byte IV travels like GCM's.
            _ if self.esp && self.is_gmac() => ("NULL", &[], &[], 8, 4),
            _ if self.esp => ("NULL", &[], &[], 0, 4),
            _ => ("", &[], &[], 0, 0),
        }
    }

    /// (name, key without salt, salt, ICV length) of the authentication.
    fn auth_view(&self) -> (&'static str, &[u8], &[u8], usize) {
        let k = self.auth_key.as_slice();
        let (gk, gs) = k_split(k);
        match self.auth {
            IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5 => ("HMAC-MD5-96", k, &[], 12),
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1 => ("HMAC-SHA1-96", k, &[], 12),
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256 => ("HMAC-SHA-256-128", k, &[], 16),
            IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_128 => ("AES-GMAC-128", gk, gs, 16),
            IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_192 => ("AES-GMAC-192", gk, gs, 16),
            IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_256 => ("AES-GMAC-256", gk, gs, 16),
            _ if self.is_gcm() => ("NULL", &[], &[], self.gcm_icv as usize),
            _ => ("NULL", &[], &[], 0),
        }
    }

    /// The Wireshark `esp_sa` row, and whether Wireshark can check the ICV with it (`None` for
    /// AH: the table is ESP's).
    pub fn wireshark_row(&self) -> Option<(String, bool)> {
        if !self.esp {
            return None;
        }
        let hex = |k: &[u8]| {
            if k.is_empty() {
                String::new()
            } else {
                format!("0x{}", hex(k))
            }
        };
        let (enc, enc_key, auth, auth_key, checks) = if self.is_gcm() {
            let e = match self.gcm_icv {
                8 => "AES-GCM with 8 octet ICV [RFC4106]",
                12 => "AES-GCM with 12 octet ICV [RFC4106]",
                _ => "AES-GCM with 16 octet ICV [RFC4106]",
            };
            (e, hex(&self.enc_key), "NULL", String::new(), true)
        } else if self.is_gmac() {
            // No ENCR_NULL_AUTH_AES_GMAC in Wireshark 4.0: the payload is clear text under a
            // 16-byte ICV, so it can be dissected, not checked (the 8-byte IV is shown as data).
            (
                "NULL",
                String::new(),
                "ANY 128 bit authentication [no checking]",
                String::new(),
                false,
            )
        } else {
            let e = match self.enc {
                IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128
                | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_192
                | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_256 => "AES-CBC [RFC3602]",
                IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC => "DES-CBC [RFC2405]",
                IPSEC_OFFLOAD_V2_ENCRYPTION_3_DES_CBC => "TripleDES-CBC [RFC2451]",
                _ => "NULL",
            };
            let a = match self.auth {
                IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5 => "HMAC-MD5-96 [RFC2403]",
                IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1 => "HMAC-SHA-1-96 [RFC2404]",
                IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256 => "HMAC-SHA-256-128 [RFC4868]",
                _ => "NULL",
            };
            // NULL ESP without integrity (inside an AH bundle) has no ICV to check.
            let checks = self.auth != 0;
            (e, hex(&self.enc_key), a, hex(&self.auth_key), checks)
        };
        let row = [
            self.family().to_string(),
            self.addr(&self.src),
            self.addr(&self.dst),
            format!("0x{:08x}", self.spi),
            enc.to_string(),
            enc_key,
            auth.to_string(),
            auth_key,
        ]
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(",");
        // Wireshark 4.0 has no ESN column: the high bits cannot enter its ICV check.
        Some((row, checks && !self.esn))
    }

    fn json(&self, index: usize) -> serde_json::Value {
        let (enc, enc_key, enc_salt, iv_len, block) = self.enc_view();
        let (auth, auth_key, auth_salt, icv_len) = self.auth_view();
        let salt = if enc_salt.is_empty() {
            auth_salt
        } else {
            enc_salt
        };
        let udp = match self.udp_esp {
            0 => "none",
            IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT => "transport",
            IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TUNNEL => "tunnel",
            IPSEC_OFFLOAD_V2_TRANSPORT_OVER_UDP_ESP_ENCAPSULATION_TUNNEL => "transport-over-tunnel",
            IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT_OVER_TUNNEL => {
                "udp-transport-over-tunnel"
            }
            _ => "other",
        };
        let ws = self.wireshark_row();
        serde_json::json!({
            "index": index,
            "proto": if self.esp { "esp" } else { "ah" },
            "dir": if self.inbound { "in" } else { "out" },
            "family": self.family(),
            "src": self.addr(&self.src),
            "dst": self.addr(&self.dst),
            "spi": self.spi,
            "enc": enc,
            "enc_key": hex(enc_key),
            "auth": auth,
            "auth_key": hex(auth_key),
            "salt": hex(salt),
            "iv_len": if self.esp { iv_len } else if self.is_gmac() { 8 } else { 0 },
            "block": block,
            "icv_len": icv_len,
            "esn": self.esn,
            "esn_high": self.seq_high,
            "udp_encap": udp,
            "udp_encap_port": if self.udp_esp != 0 { Some(4500) } else { None },
            "handle": self.handle,
            "bundle_with": self.bundle_with,
            "wireshark_row": ws.as_ref().map(|(r, _)| r.clone()),
            "wireshark_checks_icv": ws.is_some_and(|(_, c)| c),
        })
    }
}

fn k_split(k: &[u8]) -> (&[u8], &[u8]) {
    k.split_at(k.len().saturating_sub(4))
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

/// What the filter did with a frame injected on receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxResult {
    /// `CryptoDone`.
    pub crypto_done: bool,
    /// `CryptoStatus`.
    pub status: u16,
}

fn crypto_status_name(s: u16) -> &'static str {
    match s {
        CRYPTO_SUCCESS => "CRYPTO_SUCCESS",
        CRYPTO_GENERIC_ERROR => "CRYPTO_GENERIC_ERROR",
        CRYPTO_TRANSPORT_AH_AUTH_FAILED => "CRYPTO_TRANSPORT_AH_AUTH_FAILED",
        CRYPTO_TRANSPORT_ESP_AUTH_FAILED => "CRYPTO_TRANSPORT_ESP_AUTH_FAILED",
        CRYPTO_TUNNEL_AH_AUTH_FAILED => "CRYPTO_TUNNEL_AH_AUTH_FAILED",
        CRYPTO_TUNNEL_ESP_AUTH_FAILED => "CRYPTO_TUNNEL_ESP_AUTH_FAILED",
        CRYPTO_INVALID_PACKET_SYNTAX => "CRYPTO_INVALID_PACKET_SYNTAX",
        CRYPTO_INVALID_PROTOCOL => "CRYPTO_INVALID_PROTOCOL",
        _ => "other",
    }
}

/// A frame on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wire<'a> {
    /// A protected frame the filter sent down: its bytes, what TCP/IP handed the filter, and the
    /// offload handles of slots 1 and 11.
    Sent {
        /// The protected frame.
        wire: &'a [u8],
        /// TCP/IP's frame (payload in clear, IV / ICV room).
        plain: &'a [u8],
        /// Slot 1 handle.
        handle: u64,
        /// Slot 11 (tunnel) handle.
        tunnel: u64,
    },
    /// A frame injected from the wire on receive and what the filter reported.
    Received {
        /// The frame as injected.
        wire: &'a [u8],
        /// The receive slots after the filter's receive path.
        result: RxResult,
    },
}

#[derive(Debug)]
struct FrameRecord {
    bytes: Vec<u8>,
    sent: bool,
    plain: Option<Vec<u8>>,
    sas: Vec<usize>,
    rx: Vec<RxResult>,
    esn_high: Vec<(usize, u32)>,
}

#[derive(Debug, Default)]
struct CaseRecord {
    sas: Vec<SaRecord>,
    frames: Vec<FrameRecord>,
}

/// The capture of a run: per case its SAs and wire frames; written by [`Capture::finish`].
#[derive(Debug)]
pub struct Capture {
    dir: PathBuf,
    cases: BTreeMap<String, CaseRecord>,
    order: Vec<String>,
}

impl Capture {
    /// A capture that will be written under `dir` (created now, so a bad path fails early).
    pub fn new(dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            cases: BTreeMap::new(),
            order: Vec::new(),
        })
    }

    fn case(&mut self, case: &str) -> &mut CaseRecord {
        if !self.cases.contains_key(case) {
            self.order.push(case.to_string());
        }
        self.cases.entry(case.to_string()).or_default()
    }

    /// Records an SA `case` installed; returns its index in the case.
    pub fn sa(&mut self, case: &str, sa: SaRecord) -> usize {
        let c = self.case(case);
        c.sas.push(sa);
        c.sas.len() - 1
    }

    /// Marks SAs `a` and `b` of `case` as one ESP+AH bundle.
    pub fn bundle(&mut self, case: &str, a: usize, b: usize) {
        let sas = &mut self.case(case).sas;
        if let Some(s) = sas.get_mut(a) {
            s.bundle_with = Some(b);
        }
        if let Some(s) = sas.get_mut(b) {
            s.bundle_with = Some(a);
        }
    }

    /// A successful UPDATE_SA: the SAs of `case` with this handle and SPI get the new high bits
    /// (the frames captured before keep the value they were sent with).
    pub fn update(&mut self, case: &str, handle: u64, spi: u32, seq_high: u32) {
        for s in &mut self.case(case).sas {
            if s.handle == handle && s.spi == spi && s.esn {
                s.seq_high = seq_high;
            }
        }
    }

    /// Records a wire frame of `case`.
    pub fn frame(&mut self, case: &str, w: Wire<'_>) {
        let c = self.case(case);
        let esn_of = |sas: &[SaRecord], inbound: bool| -> Vec<(usize, u32)> {
            sas.iter()
                .enumerate()
                .filter(|(_, s)| s.esn && s.inbound == inbound)
                .map(|(i, s)| (i, s.seq_high))
                .collect()
        };
        match w {
            Wire::Sent {
                wire,
                plain,
                handle,
                tunnel,
            } => {
                // The outbound SAs of the handles (the latest added, should values repeat
                // across filter modules of one case).
                let mut sas = Vec::new();
                for h in [handle, tunnel].into_iter().filter(|&h| h != 0) {
                    if let Some(last) = c.sas.iter().rposition(|s| !s.inbound && s.handle == h) {
                        let first = c.sas[last].bundle_with.map_or(last, |o| o.min(last));
                        sas.push(first);
                        if let Some(o) = c.sas[first].bundle_with {
                            sas.push(o);
                        }
                    }
                }
                let esn_high = esn_of(&c.sas, false);
                c.frames.push(FrameRecord {
                    bytes: wire.to_vec(),
                    sent: true,
                    plain: Some(plain.to_vec()),
                    sas,
                    rx: Vec::new(),
                    esn_high,
                });
            }
            Wire::Received { wire, result } => {
                if let Some(f) = c.frames.iter_mut().find(|f| f.bytes == wire) {
                    f.rx.push(result);
                    return;
                }
                let esn_high = esn_of(&c.sas, true);
                c.frames.push(FrameRecord {
                    bytes: wire.to_vec(),
                    sent: false,
                    plain: None,
                    sas: Vec::new(),
                    rx: vec![result],
                    esn_high,
                });
            }
        }
    }

    /// Writes `<case id>.pcap` and `<case id>.esp_sa` for every case with frames, the merged
    /// `esp_sa` and `sas.json`; returns how many pcap files were written.
    pub fn finish(self) -> Result<usize, String> {
        let io = |p: &Path, e: std::io::Error| format!("cannot write {}: {e}", p.display());
        let mut global: Vec<String> = Vec::new();
        // (family, src, dst, spi) -> row, to find SAs Wireshark cannot tell apart.
        let mut by_key: BTreeMap<String, String> = BTreeMap::new();
        let mut conflicts = Vec::new();
        let mut cases_json = Vec::new();
        let mut written = 0;
        for id in &self.order {
            let Some(c) = self.cases.get(id) else {
                continue;
            };
            if c.frames.is_empty() {
                continue;
            }
            let pcap_rel = format!("{id}.pcap");
            let keys_rel = format!("{id}.esp_sa");
            let pcap = self.dir.join(&pcap_rel);
            if let Some(parent) = pcap.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
            }
            let frames: Vec<&[u8]> = c.frames.iter().map(|f| f.bytes.as_slice()).collect();
            std::fs::write(&pcap, pcap_bytes(&frames)).map_err(|e| io(&pcap, e))?;
            written += 1;
            let mut rows = Vec::new();
            let mut in_global = true;
            for s in &c.sas {
                let Some((row, _)) = s.wireshark_row() else {
                    continue;
                };
                if rows.contains(&row) {
                    continue;
                }
                let key = format!(
                    "{},{},{},{}",
                    s.family(),
                    s.addr(&s.src),
                    s.addr(&s.dst),
                    s.spi
                );
                match by_key.get(&key) {
                    Some(r) if *r != row => in_global = false,
                    Some(_) => {}
                    None => {
                        by_key.insert(key, row.clone());
                        global.push(row.clone());
                    }
                }
                rows.push(row);
            }
            if !in_global {
                conflicts.push(id.clone());
            }
            let keys = self.dir.join(&keys_rel);
            std::fs::write(&keys, keys_file(&rows, id)).map_err(|e| io(&keys, e))?;
            let frames_json: Vec<serde_json::Value> = c
                .frames
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let dir = match (f.sent, f.rx.is_empty()) {
                        (true, true) => "tx",
                        (true, false) => "tx+rx",
                        _ => "rx",
                    };
                    serde_json::json!({
                        "index": i,
                        "dir": dir,
                        "len": f.bytes.len(),
                        "sas": f.sas,
                        "plain": f.plain.as_deref().map(hex),
                        "rx": f.rx.iter().map(|r| serde_json::json!({
                            "crypto_done": r.crypto_done,
                            "status": r.status,
                            "status_name": crypto_status_name(r.status),
                        })).collect::<Vec<_>>(),
                        "esn_high": f.esn_high.iter()
                            .map(|(i, h)| (i.to_string(), serde_json::json!(h)))
                            .collect::<serde_json::Map<_, _>>(),
                    })
                })
                .collect();
            cases_json.push(serde_json::json!({
                "id": id,
                "pcap": pcap_rel,
                "esp_sa": keys_rel,
                "in_global_esp_sa": in_global,
                "sas": c.sas.iter().enumerate().map(|(i, s)| s.json(i)).collect::<Vec<_>>(),
                "frames": frames_json,
            }));
        }
        let keys = self.dir.join("esp_sa");
        std::fs::write(&keys, keys_file(&global, "all cases")).map_err(|e| io(&keys, e))?;
        let side = serde_json::json!({
            "tool": "ipsecov2-hlk",
            "version": env!("CARGO_PKG_VERSION"),
            "linktype": LINKTYPE_ETHERNET,
            "esp_sa": "esp_sa",
            "esp_sa_conflicts": conflicts,
            "cases": cases_json,
        });
        let path = self.dir.join("sas.json");
        let text = serde_json::to_string_pretty(&side).map_err(|e| e.to_string())?;
        std::fs::write(&path, text + "\n").map_err(|e| io(&path, e))?;
        Ok(written)
    }
}

/// A Wireshark UAT file of `esp_sa` rows.
fn keys_file(rows: &[String], what: &str) -> String {
    let mut s = format!(
        "# Wireshark ESP SAs (Preferences > Protocols > ESP > ESP SAs) of ipsecov2-hlk --pcap: \
         {what}\n# protocol,src,dst,spi,encryption,key,authentication,key\n"
    );
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// A pcap file (microsecond, little-endian, Ethernet) of `frames`.
pub fn pcap_bytes(frames: &[&[u8]]) -> Vec<u8> {
    let snaplen = frames.iter().map(|f| f.len()).max().unwrap_or(0).max(65535) as u32;
    let mut out = Vec::with_capacity(24 + frames.iter().map(|f| 16 + f.len()).sum::<usize>());
    out.extend_from_slice(&0xa1b2_c3d4_u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // thiszone
    out.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    out.extend_from_slice(&snaplen.to_le_bytes());
    out.extend_from_slice(&LINKTYPE_ETHERNET.to_le_bytes());
    for (i, f) in frames.iter().enumerate() {
        let len = f.len() as u32;
        out.extend_from_slice(&TS_BASE.to_le_bytes());
        out.extend_from_slice(&(i as u32).to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(f);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The thread-local hook.
// ---------------------------------------------------------------------------------------------

thread_local! {
    static ACTIVE: RefCell<Option<(String, Capture)>> = const { RefCell::new(None) };
}

/// Makes `cap` the capture of this thread (the cases run on the main thread).
pub fn install(cap: Capture) {
    ACTIVE.with(|a| *a.borrow_mut() = Some((String::new(), cap)));
}

/// Names the case whose traffic the hooks record from now on.
pub fn set_case(id: &str) {
    ACTIVE.with(|a| {
        if let Ok(mut a) = a.try_borrow_mut() {
            if let Some((case, _)) = a.as_mut() {
                *case = id.to_string();
            }
        }
    });
}

/// Takes the capture back (to [`Capture::finish`] it).
pub fn uninstall() -> Option<Capture> {
    ACTIVE.with(|a| a.borrow_mut().take().map(|(_, c)| c))
}

/// Runs `f` with the installed capture and the current case; does nothing without `--pcap`.
pub fn hook(f: impl FnOnce(&mut Capture, &str)) {
    ACTIVE.with(|a| {
        if let Ok(mut a) = a.try_borrow_mut() {
            if let Some((case, cap)) = a.as_mut() {
                f(cap, case);
            }
        }
    });
}

/// Whether a capture is installed (to skip building what only the hooks need).
pub fn active() -> bool {
    ACTIVE.with(|a| a.try_borrow().is_ok_and(|a| a.is_some()))
}

/// `--pcap`: records the SAs of an accepted ADD_SA element (`handle` non-zero) in the current
/// case, a bundle's two as a pair; does nothing without a capture.
pub fn record_add_sa(sa: &AddSa, handle: u64) {
    if handle == 0 {
        return;
    }
    hook(|cap, case| {
        let recs = sa_records(sa, handle)
            .into_iter()
            .map(|r| cap.sa(case, r))
            .collect::<Vec<_>>();
        if let [a, b] = recs[..] {
            cap.bundle(case, a, b);
        }
    });
}

/// The SA records of an accepted ADD_SA element (ESP, AH, or both as a bundle).
pub fn sa_records(sa: &AddSa, handle: u64) -> Vec<SaRecord> {
    let key = |off: u32, len: u32| -> Vec<u8> {
        sa.keys
            .get(off as usize..(off as usize).saturating_add(len as usize))
            .map(<[u8]>::to_vec)
            .unwrap_or_default()
    };
    let n = (sa.num_ext_hdrs as usize).min(2);
    let gcm = |s: &Sec| {
        matches!(
            s.enc.id,
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_128
                | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_192
                | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_256
        )
    };
    sa.sa
        .iter()
        .take(n)
        .map(|s: &Sec| SaRecord {
            inbound: sa.flags & IPSEC_OFFLOAD_V2_INBOUND != 0,
            v6: sa.flags & IPSEC_OFFLOAD_V2_IPv6 != 0,
            src: sa.src,
            dst: sa.dst,
            esp: s.operation == IPsecOffloadV2Esp,
            spi: s.spi,
            enc: s.enc.id,
            enc_key: key(s.enc.key_off, s.enc.key_len),
            // AES-GCM's authentication field is ignored by the filter (docs/tcpip-reading.md,
            // point 7); AdditionalInfo may give the ICV length in bits.
            auth: if gcm(s) { 0 } else { s.auth.id },
            auth_key: if gcm(s) {
                Vec::new()
            } else {
                key(s.auth.key_off, s.auth.key_len)
            },
            gcm_icv: match s.enc.additional {
                64 => 8,
                96 => 12,
                128 => 16,
                other => other,
            },
            esn: s.flags & IPSEC_OFFLOAD_V2_ESN_SA != 0,
            seq_high: s.seq_high,
            udp_esp: sa.udp_esp,
            handle,
            bundle_with: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcap_header_and_records() {
        let b = pcap_bytes(&[&[1, 2, 3], &[]]);
        assert_eq!(&b[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
        assert_eq!(u32::from_le_bytes(b[20..24].try_into().unwrap()), 1);
        assert_eq!(b.len(), 24 + 16 + 3 + 16);
        assert_eq!(u32::from_le_bytes(b[32..36].try_into().unwrap()), 3);
        assert_eq!(&b[40..43], &[1, 2, 3]);
    }

    #[test]
    fn hook_is_inert_without_install() {
        let mut called = false;
        hook(|_, _| called = true);
        assert!(!called && !active());
    }
}
