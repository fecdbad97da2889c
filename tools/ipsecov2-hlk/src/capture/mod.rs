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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ipsecov2_abi::*;

mod sa_record;
mod slot;

use sa_record::hex;

pub use sa_record::{sa_records, SaRecord};
pub use slot::{active, hook, install, record_add_sa, set_case, uninstall};

/// pcap link type of the captures: Ethernet.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// Seconds of the first frame's timestamp (frame `i` of a case is `i` microseconds later).
const TS_BASE: u32 = 1_700_000_000;

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
