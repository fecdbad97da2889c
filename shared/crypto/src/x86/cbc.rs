//! AES-CBC on AES-NI: decryption 8 blocks in parallel; encryption serial per packet, and
//! interleaved across up to 8 packets (multi-buffer: each lane chains its own packet, the
//! lanes share the rounds; a lane that finishes takes the next packet).

use core::arch::x86_64::{
    __m128i, _mm_aesenc_si128, _mm_aesenclast_si128, _mm_setzero_si128, _mm_xor_si128,
};

use alloc::boxed::Box;

use super::aes::{decrypt_n, encrypt1, Schedule};
use super::block::{load, load_at, store_at};
use super::cpuid::Xmm;
use crate::KeyError;

/// A CBC key: the encryption schedule, the decryption one, or both, each in its own heap block
/// (256 bytes), so that a key prepared for one direction (an offloaded SA is inbound or
/// outbound) holds one schedule only.
#[derive(Debug)]
pub(crate) struct CbcKey {
    pub(crate) enc: Option<Box<Schedule>>,
    dec: Option<Box<Schedule>>,
    /// The proof this key was built with (zero-sized): lets a batch of jobs run the XMM code
    /// without reading CPUID again.
    pub(crate) cpu: Xmm,
}

/// Lanes of the multi-buffer encryption.
pub(crate) const LANES: usize = 8;

impl CbcKey {
    /// Prepares `key` on the heap for the asked directions (in place: the schedules are never
    /// copied on the stack; a decryption-only key expands the encryption schedule in a block
    /// of its own, derives the decryption one from it and frees it, zeroized).
    /// `Ok(None)`: a key of the wrong length; `Err`: no memory.
    pub(crate) fn new(
        cpu: Xmm,
        key: &[u8],
        enc: bool,
        dec: bool,
    ) -> Result<Option<Self>, KeyError> {
        let block =
            || ipsecov2_fallible::try_box(Schedule::empty()).map_err(|_| KeyError::NoMemory);
        let mut e = block()?;
        let mut d = if dec { Some(block()?) } else { None };
        // SAFETY: `Xmm` is proof that CPUID reported AES-NI, PCLMULQDQ, SSSE3 and SSE4.1.
        if !unsafe { init_tf(&mut e, d.as_deref_mut(), key) } {
            return Ok(None);
        }
        Ok(Some(Self {
            enc: enc.then_some(e),
            dec: d,
            cpu,
        }))
    }

    /// Bytes of the schedules on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        let one = core::mem::size_of::<Schedule>();
        one * (usize::from(self.enc.is_some()) + usize::from(self.dec.is_some()))
    }

    /// Loads one value from each cache line of the schedules (see `GcmKey::touch`).
    pub(crate) fn touch(&self) -> u32 {
        let mut lines = 0;
        for s in [self.enc.as_deref(), self.dec.as_deref()]
            .into_iter()
            .flatten()
        {
            for i in [0, 4, 8, 12] {
                if let Some(rk) = s.rk.get(i) {
                    core::hint::black_box(*rk);
                    lines += 1;
                }
            }
        }
        lines
    }

    pub(crate) fn has_enc(&self) -> bool {
        self.enc.is_some()
    }

    pub(crate) fn dec_schedule(&self) -> Option<&Schedule> {
        self.dec.as_deref()
    }

    pub(crate) fn has_dec(&self) -> bool {
        self.dec.is_some()
    }

    /// Encrypts whole blocks in place (nothing without an encryption schedule).
    pub(crate) fn encrypt(&self, iv: &[u8; 16], data: &mut [u8]) {
        if let Some(e) = &self.enc {
            // SAFETY: this key was built with an `Xmm` proof (see `new`).
            unsafe { encrypt_tf(e, iv, data) }
        }
    }

    /// Decrypts whole blocks in place (nothing without a decryption schedule).
    pub(crate) fn decrypt(&self, iv: &[u8; 16], data: &mut [u8]) {
        if let Some(d) = &self.dec {
            // SAFETY: this key was built with an `Xmm` proof (see `new`).
            unsafe { decrypt_tf(d, iv, data) }
        }
    }
}

/// Expands `key` into `e` and, if asked, its inverse into `d`.
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
fn init_tf(e: &mut Schedule, d: Option<&mut Schedule>, key: &[u8]) -> bool {
    if !e.expand_into(key) {
        return false;
    }
    if let Some(d) = d {
        e.inverse_into(d);
    }
    true
}

#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
fn encrypt_tf(e: &Schedule, iv: &[u8; 16], data: &mut [u8]) {
    match e.rounds() {
        10 => encrypt_nr::<10>(&e.rk, iv, data),
        12 => encrypt_nr::<12>(&e.rk, iv, data),
        _ => encrypt_nr::<14>(&e.rk, iv, data),
    }
}

#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
fn encrypt_nr<const NR: usize>(rk: &[__m128i; 15], iv: &[u8; 16], data: &mut [u8]) {
    let mut c = load(iv);
    for at in (0..data.len() / 16 * 16).step_by(16) {
        c = encrypt1::<NR>(rk, _mm_xor_si128(load_at(data, at), c));
        store_at(data, at, c);
    }
}

#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
fn decrypt_tf(d: &Schedule, iv: &[u8; 16], data: &mut [u8]) {
    match d.rounds() {
        10 => decrypt_nr::<10>(&d.rk, iv, data),
        12 => decrypt_nr::<12>(&d.rk, iv, data),
        _ => decrypt_nr::<14>(&d.rk, iv, data),
    }
}

#[inline]
#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
fn decrypt_nr<const NR: usize>(dk: &[__m128i; 15], iv: &[u8; 16], data: &mut [u8]) {
    let mut prev = load(iv);
    let whole = data.len() / 16 * 16;
    let groups = whole / 128 * 128;
    for at in (0..groups).step_by(128) {
        let mut c = [_mm_setzero_si128(); 8];
        for (i, x) in c.iter_mut().enumerate() {
            *x = load_at(data, at + 16 * i);
        }
        let mut p = c;
        decrypt_n::<NR, 8>(dk, &mut p);
        for i in 0..8 {
            let chain = if i == 0 { prev } else { c[i - 1] };
            store_at(data, at + 16 * i, _mm_xor_si128(p[i], chain));
        }
        prev = c[7];
    }
    for at in (groups..whole).step_by(16) {
        let c = load_at(data, at);
        let mut p = [c];
        decrypt_n::<NR, 1>(dk, &mut p);
        store_at(data, at, _mm_xor_si128(p[0], prev));
        prev = c;
    }
}

/// One packet of a multi-buffer encryption, as the lanes see it (`'a`: the key's borrow).
pub(crate) trait Job<'a> {
    /// The encryption round keys, when this packet's key is on the XMM tier with `rounds`.
    fn xmm_enc(&self, rounds: usize) -> Option<&'a Schedule>;
    fn iv(&self) -> [u8; 16];
    fn data(&mut self) -> &mut [u8];
}

/// Encrypts every job whose key is an XMM key, up to [`LANES`] packets interleaved (one pass
/// per key size). Jobs' data are whole blocks (checked by the caller).
pub(crate) fn encrypt_many<'a, J: Job<'a>>(_cpu: Xmm, jobs: &mut [J]) {
    // SAFETY: `Xmm` is proof that CPUID reported AES-NI, PCLMULQDQ, SSSE3 and SSE4.1.
    unsafe { encrypt_many_nr::<10, J>(jobs) };
    // SAFETY: as above.
    unsafe { encrypt_many_nr::<12, J>(jobs) };
    // SAFETY: as above.
    unsafe { encrypt_many_nr::<14, J>(jobs) };
}

/// One lane's packet: its data (whole blocks), the next byte, the chaining value and the
/// round keys.
struct Lane<'d, 'a> {
    data: &'d mut [u8],
    pos: usize,
    chain: __m128i,
    rk: &'a [__m128i; 15],
}

/// The next job of `NR` rounds with data from `it`, as a lane.
fn take<'d, 'a, const NR: usize, J: Job<'a> + 'd>(
    it: &mut core::slice::IterMut<'d, J>,
) -> Option<Lane<'d, 'a>> {
    for j in it.by_ref() {
        if let Some(s) = j.xmm_enc(NR) {
            let iv = j.iv();
            let data = j.data();
            if data.len() >= 16 {
                return Some(Lane {
                    data,
                    pos: 0,
                    chain: load(&iv),
                    rk: &s.rk,
                });
            }
        }
    }
    None
}

#[target_feature(enable = "aes,pclmulqdq,ssse3,sse4.1")]
#[allow(
    clippy::needless_range_loop,
    reason = "round r of every lane: the lanes are the inner loop, over several arrays"
)]
fn encrypt_many_nr<'a, const NR: usize, J: Job<'a>>(jobs: &mut [J]) {
    // The lanes hold their packets' data for the whole call (`iter_mut` hands out disjoint
    // borrows), so the block loop below does no per-block bookkeeping.
    let mut it = jobs.iter_mut();
    let mut lanes: [Option<Lane<'_, 'a>>; LANES] = core::array::from_fn(|_| None);
    for l in lanes.iter_mut() {
        *l = take::<NR, J>(&mut it);
    }
    // Idle lanes run on any active lane's keys (their results are dropped).
    while let Some(any) = lanes.iter().flatten().map(|l| l.rk).next() {
        let rk = lanes.each_ref().map(|l| l.as_ref().map_or(any, |l| l.rk));
        // Blocks every active lane still has: run them without looking at the lanes again.
        let run = lanes
            .iter()
            .flatten()
            .map(|l| (l.data.len() - l.pos) / 16)
            .min()
            .unwrap_or(0);
        let mut chain = lanes
            .each_ref()
            .map(|l| l.as_ref().map_or(super::block::zero(), |l| l.chain));
        let start = lanes.each_ref().map(|l| l.as_ref().map_or(0, |l| l.pos));
        for step in 0..run {
            let mut b = [_mm_setzero_si128(); LANES];
            for l in 0..LANES {
                if let Some(lane) = &lanes[l] {
                    b[l] = load_at(lane.data, start[l] + 16 * step);
                }
                b[l] = _mm_xor_si128(_mm_xor_si128(b[l], chain[l]), rk[l][0]);
            }
            for r in 1..NR {
                for l in 0..LANES {
                    b[l] = _mm_aesenc_si128(b[l], rk[l][r]);
                }
            }
            for l in 0..LANES {
                b[l] = _mm_aesenclast_si128(b[l], rk[l][NR]);
                chain[l] = b[l];
                if let Some(lane) = &mut lanes[l] {
                    store_at(lane.data, start[l] + 16 * step, b[l]);
                }
            }
        }
        for (slot, c) in lanes.iter_mut().zip(chain) {
            if let Some(lane) = slot {
                lane.pos += 16 * run;
                lane.chain = c;
                if lane.pos + 16 > lane.data.len() {
                    *slot = take::<NR, J>(&mut it);
                }
            }
        }
    }
}
