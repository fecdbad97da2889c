//! The offload face's batch seal: several ESP packets (same or different SAs) sealed in one
//! call, so that AES-CBC, serial within a packet, runs interleaved across packets (the
//! multi-buffer technique of ipsec-mb: up to 8 packets in flight in the crypto core's lanes).
//!
//! [`EspSa::seal_many`] takes the caller's jobs in place (no allocation): the AES-CBC packets
//! get their IVs, are encrypted together by [`AesCbc::encrypt_lanes`], then get their ICVs one by
//! one; every other packet (GCM, GMAC, NULL, DES) is sealed alone as by [`EspSa::seal_at`]. A
//! batch produces the bytes that sealing its packets one by one, in order, would.

use ipsecov2_crypto::{AesCbc, CbcLane};

use crate::error::PacketError;
use crate::esp::{EspLayout, EspSa, ESP_HEADER_LEN};

/// The fewest AES-CBC packets a batch sends through the lanes (below: one by one).
const MIN_CBC_JOBS: usize = 2;

/// One packet of [`EspSa::seal_many`]: the SA, the packet and where its ESP part is (as for
/// [`EspSa::seal_at`]); the outcome is [`SealJob::result`] once the batch has run.
#[derive(Debug)]
pub struct SealJob<'a> {
    /// `None`: an empty slot of a fixed-size job array, which the batch skips.
    sa: Option<&'a EspSa>,
    packet: &'a mut [u8],
    esp_offset: usize,
    esp_len: usize,
    seq_hi: u32,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not run yet.
    Waiting,
    /// An AES-CBC packet whose IV is written: its body (`packet[start..end]`) awaits the lanes.
    Cbc {
        iv: [u8; 16],
        start: usize,
        end: usize,
    },
    /// Sealed, or refused.
    Done(Result<(), PacketError>),
}

impl<'a> SealJob<'a> {
    /// A job sealing `packet[esp_offset..esp_offset + esp_len]` with `sa` (`seq_hi`: the high
    /// half of the ESN, ignored without ESN).
    pub fn new(
        sa: &'a EspSa,
        packet: &'a mut [u8],
        esp_offset: usize,
        esp_len: usize,
        seq_hi: u32,
    ) -> Self {
        Self {
            sa: Some(sa),
            packet,
            esp_offset,
            esp_len,
            seq_hi,
            state: State::Waiting,
        }
    }

    /// An empty slot (what [`Default`] gives): fixed-size job arrays fill their unused slots
    /// with it; [`EspSa::seal_many`] skips it and its result stays
    /// [`PacketError::BadLength`].
    pub fn empty() -> Self {
        Self {
            sa: None,
            packet: &mut [],
            esp_offset: 0,
            esp_len: 0,
            seq_hi: 0,
            state: State::Waiting,
        }
    }

    /// Whether this is an empty slot.
    pub fn is_empty(&self) -> bool {
        self.sa.is_none()
    }

    /// The outcome ([`PacketError::BadLength`] for a job that has not been through
    /// [`EspSa::seal_many`], and for an empty slot).
    pub fn result(&self) -> Result<(), PacketError> {
        match self.state {
            State::Done(r) => r,
            State::Waiting | State::Cbc { .. } => Err(PacketError::BadLength),
        }
    }

    /// The packet (sealed once the batch has run).
    pub fn packet(&self) -> &[u8] {
        self.packet
    }

    fn esp(&mut self) -> Result<&mut [u8], PacketError> {
        let end = self
            .esp_offset
            .checked_add(self.esp_len)
            .ok_or(PacketError::BadLength)?;
        self.packet
            .get_mut(self.esp_offset..end)
            .ok_or(PacketError::Truncated)
    }

    /// Step 1 for an AES-CBC packet when `lanes` (layout checked, IV generated and written);
    /// any other packet is sealed whole here.
    fn prepare(&mut self, lanes: bool) {
        let Some(sa) = self.sa else {
            return;
        };
        self.state = if lanes && sa.batch_cbc().is_some() {
            self.prepare_cbc().unwrap_or_else(|e| State::Done(Err(e)))
        } else {
            State::Done(sa.seal_at(self.packet, self.esp_offset, self.esp_len, self.seq_hi))
        };
    }

    fn prepare_cbc(&mut self) -> Result<State, PacketError> {
        let sa = self.sa.ok_or(PacketError::BadLength)?;
        let layout = EspLayout::new(sa.config(), self.esp_len)?;
        let start = self
            .esp_offset
            .checked_add(ESP_HEADER_LEN + layout.iv_len)
            .ok_or(PacketError::BadLength)?;
        let end = start
            .checked_add(layout.body_len)
            .ok_or(PacketError::BadLength)?;
        self.esp()?;
        let mut iv = [0u8; 16];
        sa.next_iv(&mut iv)?;
        let dst = self
            .packet
            .get_mut(start - layout.iv_len..start)
            .ok_or(PacketError::Truncated)?;
        for (d, s) in dst.iter_mut().zip(iv.iter()) {
            *d = *s;
        }
        Ok(State::Cbc { iv, start, end })
    }

    /// Step 3 for an AES-CBC packet: the ICV over the ciphertext.
    fn finish(&mut self) {
        if let (State::Cbc { .. }, Some(sa)) = (self.state, self.sa) {
            let seq_hi = self.seq_hi;
            let r = self.esp().and_then(|esp| sa.write_icv(esp, seq_hi));
            self.state = State::Done(r);
        }
    }
}

impl Default for SealJob<'_> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<'a> CbcLane<'a> for SealJob<'a> {
    fn key(&self) -> Option<&'a AesCbc> {
        match self.state {
            State::Cbc { .. } => self.sa?.batch_cbc(),
            State::Waiting | State::Done(_) => None,
        }
    }

    fn iv(&self) -> [u8; 16] {
        match self.state {
            State::Cbc { iv, .. } => iv,
            State::Waiting | State::Done(_) => [0u8; 16],
        }
    }

    fn data(&mut self) -> &mut [u8] {
        match self.state {
            State::Cbc { start, end, .. } => self.packet.get_mut(start..end).unwrap_or(&mut []),
            State::Waiting | State::Done(_) => &mut [],
        }
    }
}

impl EspSa {
    /// Whether [`EspSa::seal_many`] runs this SA's packets through the multi-buffer lanes
    /// (AES-CBC with an integrity algorithm); others are sealed one by one there.
    pub fn seals_in_lanes(&self) -> bool {
        self.batch_cbc().is_some()
    }

    /// Offload face, outbound, several packets in one call: seals every job as
    /// [`EspSa::seal_at`] would, AES-CBC packets (of any SAs and key sizes) encrypted
    /// interleaved. Each job's outcome is its [`SealJob::result`]; a refused job leaves the
    /// others unaffected. No allocation; the lanes of the crypto core take 8 packets at a time,
    /// so batches of 8 to 16 are what pays.
    pub fn seal_many(jobs: &mut [SealJob<'_>]) {
        // One AES-CBC packet alone gains nothing from the lanes: it takes the single-packet
        // path (AES-CBC + HMAC-SHA-256 stitched there).
        let cbc = jobs
            .iter()
            .filter(|j| j.sa.is_some_and(|sa| sa.batch_cbc().is_some()))
            .count();
        let lanes = cbc >= MIN_CBC_JOBS;
        for j in jobs.iter_mut() {
            j.prepare(lanes);
        }
        if AesCbc::encrypt_lanes(jobs).is_err() {
            // Not reached: the layouts were checked (whole blocks) and the SAs' keys encrypt.
            for j in jobs.iter_mut() {
                if let State::Cbc { .. } = j.state {
                    j.state = State::Done(Err(PacketError::NotBlockMultiple));
                }
            }
        }
        for j in jobs.iter_mut() {
            j.finish();
        }
    }
}
