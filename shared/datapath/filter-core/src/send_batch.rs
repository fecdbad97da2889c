//! The send path's batch: the AES-CBC packets of a chain are sealed together, up to
//! [`BATCH`] at a time, by the engine's [`EspSa::seal_many`] (CBC interleaved across packets in
//! the crypto core's lanes), instead of one by one.
//!
//! A packet whose only crypto is one ESP seal with AES-CBC (no AH, no transport-over-tunnel
//! nesting) is copied, gets its plaintext checksums, and waits here with its ESP seal deferred.
//! From then on, until the batch is flushed, everything the chain's later NBLs would hand the
//! [`SendSink`] waits here too, so that the sink sees exactly the calls, in exactly the order,
//! of the one-by-one path: the staged copies of each NBL followed by its verdict. The batch is
//! flushed when its packets or its NBLs fill their fixed arrays and at the end of the chain.
//! No heap allocation: fixed arrays on the stack, kept small ([`BATCH`]) for the stack budget.

use ipsec_engine::wire::{fix_udp_encap, locate_ipsec, IpsecKind};
use ipsec_engine::{EspSa, PacketError, SealJob};
use ipsecov2_abi::NDIS_STATUS;
use ipsecov2_nbl::NblChain;
use ipsecov2_offload_sa::OffloadSa;
use ipsecov2_satable::{Arc, SaLock, TableState};

use crate::checksum::{self, ChecksumRequest, MiniportChecksum};
use crate::error::SendDrop;
use crate::frame::{datagram_len, l2_len};
use crate::pool::TxBuffer;
use crate::send::SendSink;
use crate::FilterCore;

/// Packets sealed together at most. The crypto core has 8 lanes, but the batch (its entries,
/// the waiting NBLs and the flush's job array) lives on the kernel stack of the send callback,
/// whose deepest static path must stay under 6 KiB (tests/stack-budget): at 8 the batch put a
/// 2.6 KiB frame on the send path. 4 packets still interleave enough AES rounds to hide most of
/// the `aesenc` latency.
pub(crate) const BATCH: usize = 4;

/// The outbound SAs a packet was protected with (transport, tunnel), with their handles.
pub(crate) type PacketSas = [Option<(u64, Arc<OffloadSa>)>; 2];

/// A deferred ESP seal: where the ESP part is in the copy, and what follows the seal.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deferred {
    /// Offset of the ESP header in the frame (MAC header included).
    pub(crate) esp_at: usize,
    /// Length of the ESP part (header to ICV).
    pub(crate) esp_len: usize,
    /// The high half of the ESN.
    pub(crate) seq_hi: u32,
    /// Which of the packet's SAs seals: 0 transport, 1 tunnel.
    pub(crate) outer: u8,
    /// TCP/IP's checksum request and the miniport's offer (for the outer checksums).
    pub(crate) checksums: ChecksumRequest,
    /// The miniport's offer.
    pub(crate) offer: MiniportChecksum,
}

/// A protected copy waiting to be staged.
struct Entry<B> {
    /// The copy: as many bytes as the original NET_BUFFER (its length, for the counters).
    buf: B,
    sas: PacketSas,
    seal: Seal,
}

/// Where a waiting copy's seal stands (one field, not an `Option<Deferred>` beside a slot value
/// the deferred copies do not use: the entries sit in the send path's stack frame).
enum Seal {
    /// Sealed already; the copy's checksum slot value.
    Done(usize),
    /// Its ESP seal is deferred to the flush.
    Deferred(Deferred),
}

/// What an NBL's verdict is, once its packets are staged.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Verdict {
    /// Passed down untouched.
    Passed,
    /// Protected; the slot value of its (single) copy, unless a deferred packet sets it.
    Protected(usize),
    /// Completed with this drop.
    Dropped(SendDrop),
}

/// An NBL whose packets were all prepared, waiting for its verdict to be given in order (the
/// NBL itself waits in [`Batch::closed_nbls`], in the same order).
#[derive(Clone, Copy)]
struct Closed {
    /// Its packets among the entries (the first ones not yet taken by earlier NBLs).
    entries: usize,
    verdict: Verdict,
}

/// The batch of one `send` call.
pub(crate) struct Batch<'a, B> {
    entries: [Option<Entry<B>>; BATCH],
    n_entries: usize,
    /// Entries at the end of `entries` that belong to the NBL being processed.
    current: usize,
    /// The closed NBLs, one chain in order (16 bytes however many, where an array of NBLs took
    /// a slot each on the send path's stack).
    closed_nbls: NblChain<'a>,
    closed: [Closed; BATCH],
    n_closed: usize,
}

impl<'a, B: TxBuffer> Batch<'a, B> {
    pub(crate) fn new() -> Self {
        Self {
            entries: [const { None }; BATCH],
            n_entries: 0,
            current: 0,
            closed_nbls: NblChain::empty(),
            closed: [Closed {
                entries: 0,
                verdict: Verdict::Passed,
            }; BATCH],
            n_closed: 0,
        }
    }

    /// Nothing waits: the sink can be called directly.
    pub(crate) fn idle(&self) -> bool {
        self.n_entries == 0 && self.n_closed == 0
    }

    /// Adds a copy of the NBL being processed; `deferred`: its ESP seal is still to be done.
    /// `Ok(true)`: the packets fill the batch now, and the caller must [`Batch::flush`] it
    /// before the next push (the send path does so from its chain loop, so that the flush's
    /// frame does not sit on top of the per-NBL one).
    pub(crate) fn push(
        &mut self,
        copy: (B, PacketSas),
        deferred: Option<Deferred>,
        info: usize,
    ) -> Result<bool, SendDrop> {
        let (buf, sas) = copy;
        // Never full here: the batch is flushed as soon as it fills.
        let slot = self
            .entries
            .get_mut(self.n_entries)
            .ok_or(SendDrop::PoolExhausted)?;
        let seal = match deferred {
            Some(d) => Seal::Deferred(d),
            None => Seal::Done(info),
        };
        *slot = Some(Entry { buf, sas, seal });
        self.n_entries += 1;
        self.current += 1;
        Ok(self.n_entries == BATCH)
    }

    /// The NBL being processed is done: its verdict waits for its packets (and for the
    /// NBLs before it). Flushes when the waiting NBLs fill the batch.
    pub(crate) fn close<L, S>(
        &mut self,
        core: &FilterCore<L>,
        sink: &mut S,
        nbl: NblChain<'a>,
        verdict: Verdict,
    ) where
        L: SaLock<TableState<OffloadSa>>,
        S: SendSink<'a, B>,
    {
        if let Verdict::Dropped(_) = verdict {
            // Its copies are released, never staged (the one-by-one path stages none after
            // the failure either, and the sink releases those staged before it).
            self.drop_current();
        }
        if self.idle() {
            emit(core, sink, nbl, verdict);
            return;
        }
        match self.closed.get_mut(self.n_closed) {
            Some(slot) => {
                *slot = Closed {
                    entries: self.current,
                    verdict,
                };
                self.closed_nbls.append(nbl);
                self.n_closed += 1;
                self.current = 0;
            }
            // Never: the batch is flushed as soon as its NBLs fill it (which empties it).
            None => emit(core, sink, nbl, verdict),
        }
        if self.n_closed == BATCH {
            let _ = self.flush(core, sink);
        }
    }

    /// Releases the copies of the NBL being processed (it failed).
    fn drop_current(&mut self) {
        let keep = self.n_entries - self.current;
        for e in self.entries.iter_mut().skip(keep) {
            *e = None;
        }
        self.n_entries = keep;
        self.current = 0;
    }

    /// Seals the deferred packets, stages every waiting copy and gives every closed NBL its
    /// verdict, in order. Returns the result of the NBL being processed: the slot value of its
    /// last copy staged here (`None`: it had none waiting), or the drop of its first failing
    /// packet.
    pub(crate) fn flush<L, S>(
        &mut self,
        core: &FilterCore<L>,
        sink: &mut S,
    ) -> Result<Option<usize>, SendDrop>
    where
        L: SaLock<TableState<OffloadSa>>,
        S: SendSink<'a, B>,
    {
        let mut results = [Ok(()); BATCH];
        seal_deferred(&mut self.entries, &mut results);
        let mut entries = self.entries.iter_mut().zip(results).take(self.n_entries);
        for c in self.closed.iter().take(self.n_closed) {
            let mut verdict = c.verdict;
            for (e, r) in entries.by_ref().take(c.entries) {
                verdict = finish_entry(core, sink, e, r, verdict);
            }
            // One NBL per closed entry (they were appended together).
            if let Some(nbl) = self.closed_nbls.pop_front() {
                emit(core, sink, nbl, verdict);
            }
        }
        let mut current = None;
        for (e, r) in entries {
            if e.is_some() {
                let so_far = current.unwrap_or(Verdict::Protected(0));
                current = Some(finish_entry(core, sink, e, r, so_far));
            }
        }
        self.n_entries = 0;
        self.current = 0;
        self.n_closed = 0;
        match current {
            Some(Verdict::Dropped(d)) => Err(d),
            Some(Verdict::Protected(info)) => Ok(Some(info)),
            Some(Verdict::Passed) | None => Ok(None),
        }
    }
}

/// Runs the deferred ESP seals of `entries` in one [`EspSa::seal_many`] call; `results[i]` is
/// entry `i`'s outcome (`Ok` for those sealed already).
fn seal_deferred<B: TxBuffer>(
    entries: &mut [Option<Entry<B>>; BATCH],
    results: &mut [Result<(), PacketError>; BATCH],
) {
    let mut jobs: [SealJob<'_>; BATCH] = core::array::from_fn(|_| SealJob::empty());
    for ((job, e), r) in jobs
        .iter_mut()
        .zip(entries.iter_mut())
        .zip(results.iter_mut())
    {
        let Some(Entry {
            buf,
            sas,
            seal: Seal::Deferred(d),
        }) = e
        else {
            continue;
        };
        // Refused unless its SA really seals it below (it always does: the send path defers
        // only ESP packets of SAs that have ESP).
        *r = Err(PacketError::BadLength);
        let sa: Option<&EspSa> = sas
            .get(usize::from(d.outer))
            .and_then(Option::as_ref)
            .and_then(|(_, sa)| sa.esp.as_ref())
            .map(|esp| &esp.sa);
        if let Some(sa) = sa {
            *job = SealJob::new(sa, buf.bytes_mut(), d.esp_at, d.esp_len, d.seq_hi);
        }
    }
    EspSa::seal_many(&mut jobs);
    for (r, job) in results.iter_mut().zip(jobs.iter()) {
        if !job.is_empty() {
            *r = job.result();
        }
    }
}

/// The steps after a deferred seal: UDP-ESP's UDP header, then the outer checksums; returns
/// the copy's checksum slot value.
fn after_seal(frame: &mut [u8], d: &Deferred) -> Result<usize, SendDrop> {
    let l2 = l2_len(frame)?;
    let ip_all = frame.get_mut(l2..).ok_or(PacketError::Truncated)?;
    let end = datagram_len(ip_all)?;
    let ip = ip_all.get_mut(..end).ok_or(PacketError::Truncated)?;
    let off = d.esp_at.checked_sub(l2).ok_or(SendDrop::BadHeaderOffset)?;
    if let Ok(loc) = locate_ipsec(ip) {
        if let IpsecKind::UdpEsp { udp_offset } = loc.kind {
            if loc.offset == off {
                fix_udp_encap(ip, udp_offset, ip.len())?;
            }
        }
    }
    if d.checksums != ChecksumRequest::default() {
        return checksum::after_seal(frame, d.checksums, d.offer);
    }
    Ok(0)
}

/// Finishes one waiting copy of an NBL whose verdict so far is `verdict`: counts it, stages it
/// (or releases it if the NBL has failed) and returns the NBL's verdict with it. Never inlined:
/// its locals (the outer checksums, the sink's staging) stay out of the flush's frame, which
/// sits above the crypto core's on the send path.
#[inline(never)]
fn finish_entry<'a, L, S, B>(
    core: &FilterCore<L>,
    sink: &mut S,
    slot: &mut Option<Entry<B>>,
    sealed: Result<(), PacketError>,
    verdict: Verdict,
) -> Verdict
where
    L: SaLock<TableState<OffloadSa>>,
    S: SendSink<'a, B>,
    B: TxBuffer,
{
    // Taken here (not by the caller) so that the entry moves through this frame only.
    let Some(mut e) = slot.take() else {
        return verdict;
    };
    if let Verdict::Dropped(_) = verdict {
        return verdict;
    }
    let result = match (sealed, &e.seal) {
        (Err(p), _) => Err(SendDrop::Crypto(p)),
        (Ok(()), Seal::Deferred(d)) => after_seal(e.buf.bytes_mut(), d),
        (Ok(()), Seal::Done(info)) => Ok(*info),
    };
    let len = e.buf.bytes().len();
    let deferred = matches!(e.seal, Seal::Deferred(_));
    if deferred {
        core.count_packet(&e.sas, len, result);
    }
    match result {
        Ok(info) => {
            if deferred {
                core.counters.send_ok(len);
            }
            sink.stage(e.buf);
            Verdict::Protected(info)
        }
        Err(d) => Verdict::Dropped(d),
    }
}

/// Hands `nbl` to the sink with its verdict (as the one-by-one path does). Never inlined, as
/// [`finish_entry`].
#[inline(never)]
fn emit<'a, L, S, B>(core: &FilterCore<L>, sink: &mut S, nbl: NblChain<'a>, verdict: Verdict)
where
    L: SaLock<TableState<OffloadSa>>,
    S: SendSink<'a, B>,
{
    let mut nbl = nbl;
    match verdict {
        Verdict::Passed => {
            crate::DatapathCounters::inc(&core.counters.send_passed);
            sink.pass_down(nbl);
        }
        Verdict::Protected(0) => {
            crate::DatapathCounters::inc(&core.counters.send_protected_nbls);
            sink.protected(nbl);
        }
        Verdict::Protected(info) => {
            crate::DatapathCounters::inc(&core.counters.send_protected_nbls);
            sink.protected_with_checksum(nbl, info);
        }
        Verdict::Dropped(d) => {
            core.counters.send_drop(d);
            let status: NDIS_STATUS = d.ndis_status();
            if let Some(mut first) = nbl.cursor().next_nbl() {
                first.set_status(status);
            }
            sink.complete(nbl, status, d);
        }
    }
}
