//! Group `churn`: SA add, update and delete on a control thread while sender threads push
//! traffic through two hosts.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::hosts::*;
use super::{case, ensure, eq, status};
use crate::capture;
use crate::tcpip::{self as tc, Sent};
use crate::{Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_filter_core::HostTxPool;
use ipsecov2_ndis_emu::tcpip::{esp_algs, frame, masked, send_nbl, Framed, Ip};
use ipsecov2_ndis_emu::SplitMix64;

/// A pair of SAs the control thread installed: outbound on `tx`, inbound on `rx`.
#[derive(Clone, Copy)]
struct LivePair {
    out: u64,
    inb: u64,
    spi: u32,
}

#[derive(Default)]
struct ChurnStats {
    protected: AtomicU64,
    unknown: AtomicU64,
    verified: AtomicU64,
    untouched: AtomicU64,
    added: AtomicU64,
    deleted: AtomicU64,
    updated: AtomicU64,
    /// UPDATE_SA pairs begun / finished (ESN): a packet sealed before an update began and
    /// opened after it may fail its ICV (the high bits changed in flight), no other may.
    updates_started: AtomicU64,
    updates_done: AtomicU64,
    auth_races: AtomicU64,
}

/// UPDATE_SA of `handle` (ESP, `spi`) to ESN high bits `high`.
fn update(core: &tc::Core, handle: u64, spi: u32, high: u32) -> Result<NDIS_STATUS, String> {
    let mut u = ipsecov2_ndis_emu::oid_buffers::update_sa(handle, IPsecOffloadV2Esp, spi, high);
    Ok(tc::set(core, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status)
}

/// Suspends `--pcap` for the rest of a case (the churn's SAs are installed on other threads,
/// which the capture does not follow, so its frames could not be decrypted from the keys file).
struct NoCapture(Option<capture::Capture>);

impl NoCapture {
    fn new() -> Self {
        Self(capture::uninstall())
    }
}

impl Drop for NoCapture {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            capture::install(c);
        }
    }
}

/// `senders` threads send through `tx` with handles from the live set, one thread receives what
/// they sent through `rx`, one thread adds, deletes and updates SA pairs on both, for `ms`.
fn churn(senders: usize, esn: bool, ms: u64, seed: u64) -> Outcome {
    let _no_capture = NoCapture::new();
    let tx = Arc::new(tc::core_with(256)?);
    let rx = Arc::new(tc::core_with(256)?);
    let g = gcm()?;
    let cbc = esp_algs()
        .into_iter()
        .find(|a| a.name.contains("aes128") && a.name.contains("sha1"))
        .ok_or("no aes128+sha1 transform")?;
    let live: Arc<Mutex<Vec<(LivePair, bool)>>> = Arc::new(Mutex::new(Vec::new()));
    // (wire bytes, TCP/IP's frame, SPI, updates started before the send)
    type InFlight = (Vec<u8>, Framed, u32, u64);
    let wire: Arc<Mutex<Vec<InFlight>>> = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    // Senders still running: the receiver stops only when none is left and the wire is empty
    // (a sender may push its last packet after `stop` is set).
    let sending = Arc::new(std::sync::atomic::AtomicUsize::new(senders));
    let stats = Arc::new(ChurnStats::default());
    let fail: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let set_fail = |fail: &Mutex<Option<String>>, e: String| {
        if let Ok(mut f) = fail.lock() {
            f.get_or_insert(e);
        }
    };
    let xform = |cbc_: bool| Xform {
        esp: Some(if cbc_ { cbc.clone() } else { g.clone() }),
        ah: None,
        v6: false,
        esn,
        udp: 0,
    };
    let deadline = Instant::now() + Duration::from_millis(ms);
    // The threads act as the same TCP/IP (issue 15's options).
    let behaviour = tc::behaviour();

    std::thread::scope(|s| {
        // Control: keep 8..32 pairs, replace the oldest, update ESN SAs.
        {
            let (tx, rx, live, stop, stats, fail) = (&tx, &rx, &live, &stop, &stats, &fail);
            let xform = &xform;
            s.spawn(move || {
                tc::set_behaviour(behaviour);
                let mut rng = SplitMix64::new(seed);
                let mut spi = 0x0400_0000u32;
                let mut last_protected = 0;
                while Instant::now() < deadline {
                    // Rotate at the pace of the traffic (a few packets per new pair), so that
                    // packets meet both live and just-deleted SAs whatever the machine's load.
                    let now_protected = stats.protected.load(Ordering::Relaxed);
                    let filled = live.lock().is_ok_and(|l| l.len() >= 8);
                    if filled && now_protected < last_protected + 3 {
                        std::thread::yield_now();
                        continue;
                    }
                    last_protected = now_protected;
                    spi += 4;
                    let use_cbc = rng.next_u64().is_multiple_of(2);
                    let x = xform(use_cbc);
                    let r = (|| -> Result<(), String> {
                        let out = tc::add(tx, &x.add_sa(spi, false))?;
                        let inb = tc::add(rx, &x.add_sa(spi, true))?;
                        stats.added.fetch_add(1, Ordering::Relaxed);
                        let mut l = live.lock().map_err(|_| "poisoned")?;
                        l.push((LivePair { out, inb, spi }, use_cbc));
                        if l.len() > 8 + (rng.next_u64() % 24) as usize {
                            let (old, _) = l.remove(0);
                            drop(l);
                            // Inbound first, then outbound, as TCP/IP does on rekey.
                            status(
                                "delete inbound",
                                tc::delete(rx, &[old.inb])?,
                                NDIS_STATUS_SUCCESS,
                            )?;
                            status(
                                "delete outbound",
                                tc::delete(tx, &[old.out])?,
                                NDIS_STATUS_SUCCESS,
                            )?;
                            stats.deleted.fetch_add(1, Ordering::Relaxed);
                        } else {
                            drop(l);
                        }
                        if esn && rng.next_u64().is_multiple_of(4) {
                            let pick = live.lock().map_err(|_| "poisoned")?.first().copied();
                            if let Some((p, _)) = pick {
                                let high = 8 + (rng.next_u64() % 1000) as u32;
                                stats.updates_started.fetch_add(1, Ordering::AcqRel);
                                status(
                                    "UPDATE_SA in",
                                    update(rx, p.inb, p.spi, high)?,
                                    NDIS_STATUS_SUCCESS,
                                )?;
                                status(
                                    "UPDATE_SA out",
                                    update(tx, p.out, p.spi, high)?,
                                    NDIS_STATUS_SUCCESS,
                                )?;
                                stats.updates_done.fetch_add(1, Ordering::AcqRel);
                                stats.updated.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Ok(())
                    })();
                    if let Err(e) = r {
                        set_fail(fail, format!("control: {e}"));
                        break;
                    }
                }
                stop.store(true, Ordering::Release);
            });
        }
        // Senders.
        for t in 0..senders {
            let (tx, live, wire, stop, stats, fail) = (&tx, &live, &wire, &stop, &stats, &fail);
            let sending = &sending;
            let xform = &xform;
            s.spawn(move || {
                tc::set_behaviour(behaviour);
                // Counted down however the loop ends.
                struct Done<'a>(&'a std::sync::atomic::AtomicUsize);
                impl Drop for Done<'_> {
                    fn drop(&mut self) {
                        self.0.fetch_sub(1, Ordering::AcqRel);
                    }
                }
                let _done = Done(sending);
                let mut rng = SplitMix64::new(seed ^ (t as u64 + 1) << 32);
                let pool = HostTxPool::new(4, 2048);
                let mut seq = 1u32;
                while !stop.load(Ordering::Acquire) {
                    let pick = live.lock().ok().and_then(|l| {
                        if l.is_empty() {
                            None
                        } else {
                            l.get((rng.next_u64() % l.len() as u64) as usize).copied()
                        }
                    });
                    let Some((p, use_cbc)) = pick else {
                        std::thread::yield_now();
                        continue;
                    };
                    seq += 1;
                    let x = xform(use_cbc);
                    let len = (rng.next_u64() % 1400) as usize;
                    let f = frame(
                        &Ip {
                            v6: false,
                            extras: false,
                        },
                        &x.layer(p.spi),
                        seq,
                        &rng.bytes(len),
                        17,
                    );
                    let spec = send_nbl(&mut rng, &[&f.frame], p.out, 0, f.header_info);
                    let started = stats.updates_started.load(Ordering::Acquire);
                    let r = tc::send_through(tx, &[spec], &pool);
                    match r.map(|(s, _)| s.into_iter().next()) {
                        Ok(Some(Sent::Protected(mut pk))) if pk.len() == 1 => {
                            stats.protected.fetch_add(1, Ordering::Relaxed);
                            if let (Some(w), Ok(mut q)) = (pk.pop(), wire.lock()) {
                                q.push((w, f, p.spi, started));
                            }
                        }
                        Ok(Some(Sent::Completed(st, _))) if st == NDIS_STATUS_FAILURE => {
                            // The SA was deleted between the pick and the send: it must be gone.
                            let still_live = ipsecov2_satable::OffloadHandle::from_u64(p.out)
                                .is_some_and(|h| tx.sas().table().get(h).is_some());
                            if still_live {
                                set_fail(fail, "send failed with a live handle".into());
                                break;
                            }
                            stats.unknown.fetch_add(1, Ordering::Relaxed);
                        }
                        other => {
                            set_fail(fail, format!("sender {t}: unexpected {other:?}"));
                            break;
                        }
                    }
                    if pool.free_count() != pool.count() {
                        set_fail(fail, format!("sender {t}: transmit buffer not returned"));
                        break;
                    }
                }
            });
        }
        // Receiver.
        {
            let (rx, wire, stop, stats, fail) = (&rx, &wire, &stop, &stats, &fail);
            let sending = &sending;
            s.spawn(move || {
                tc::set_behaviour(behaviour);
                let mut rng = SplitMix64::new(seed ^ 0xabcd);
                loop {
                    let batch: Vec<InFlight> = wire
                        .lock()
                        .map(|mut q| std::mem::take(&mut *q))
                        .unwrap_or_default();
                    if batch.is_empty() {
                        if stop.load(Ordering::Acquire) && sending.load(Ordering::Acquire) == 0 {
                            // Nothing can be pushed any more; take what came last.
                            if wire.lock().map_or(true, |q| q.is_empty()) {
                                break;
                            }
                            continue;
                        }
                        std::thread::yield_now();
                        continue;
                    }
                    let frames: Vec<Vec<u8>> = batch.iter().map(|(w, ..)| w.clone()).collect();
                    let got = match tc::receive_through(rx, &mut rng, &frames, 0) {
                        Ok(g) => g,
                        Err(e) => {
                            set_fail(fail, format!("receiver: {e}"));
                            break;
                        }
                    };
                    let done = stats.updates_done.load(Ordering::Acquire);
                    for ((view, bytes), (w, f, spi, started)) in got.iter().zip(&batch) {
                        let raced = done != *started
                            || stats.updates_started.load(Ordering::Acquire) != *started;
                        if view.crypto_done
                            && raced
                            && view.status == CRYPTO_TRANSPORT_ESP_AUTH_FAILED
                        {
                            stats.auth_races.fetch_add(1, Ordering::Relaxed);
                        } else if view.crypto_done {
                            if view.status != CRYPTO_SUCCESS
                                || masked(bytes, &f.written) != masked(&f.frame, &f.written)
                            {
                                set_fail(fail, format!("receiver: SPI {spi:#x}: {view:?}"));
                                return;
                            }
                            stats.verified.fetch_add(1, Ordering::Relaxed);
                        } else {
                            // No SA any more: the packet goes up untouched.
                            if bytes != w {
                                set_fail(
                                    fail,
                                    format!("receiver: SPI {spi:#x}: untouched packet changed"),
                                );
                                return;
                            }
                            stats.untouched.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = fail.lock().map_err(|_| "poisoned")?.take() {
        return Err(e);
    }
    let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
    ensure!(
        n(&stats.added) >= 10,
        "only {} pairs added",
        n(&stats.added)
    );
    ensure!(n(&stats.deleted) >= 1, "no pair deleted");
    ensure!(
        n(&stats.protected) >= 50,
        "only {} packets protected",
        n(&stats.protected)
    );
    eq(
        "every protected packet received",
        n(&stats.verified) + n(&stats.untouched) + n(&stats.auth_races),
        n(&stats.protected),
    )?;
    ensure!(
        n(&stats.verified) > 0,
        "nothing verified ({} untouched, {} auth races)",
        n(&stats.untouched),
        n(&stats.auth_races)
    );
    if esn {
        ensure!(n(&stats.updated) > 0, "no UPDATE_SA");
    }
    // Every pair still installed carries traffic after the churn.
    let left = live.lock().map_err(|_| "poisoned")?.clone();
    let mut rng = SplitMix64::new(seed ^ 0x5eed);
    for (i, (p, use_cbc)) in left.iter().enumerate() {
        let x = xform(*use_cbc);
        let f = frame(
            &Ip {
                v6: false,
                extras: false,
            },
            &x.layer(p.spi),
            1_000_000 + i as u32,
            &rng.bytes(64),
            17,
        );
        let w = tc::protect(&tx, &mut rng, &[&f], p.out, 0)?;
        let got = tc::receive_through(&rx, &mut rng, &w, 0)?;
        ensure!(
            got.iter()
                .all(|(v, _)| v.crypto_done && v.status == CRYPTO_SUCCESS),
            "SPI {:#x} after the churn: {:?}",
            p.spi,
            got.first().map(|g| g.0)
        );
    }
    // Tear down: everything deletes, nothing leaks. A TCP/IP that allocates list elements
    // separately (docs/tcpip-reading.md, point 1) deletes them in one list per filter.
    if tc::behaviour().separate_elements && !left.is_empty() {
        let inb: Vec<u64> = left.iter().map(|(p, _)| p.inb).collect();
        let out: Vec<u64> = left.iter().map(|(p, _)| p.out).collect();
        status(
            "final delete in",
            tc::delete(&rx, &inb)?,
            NDIS_STATUS_SUCCESS,
        )?;
        status(
            "final delete out",
            tc::delete(&tx, &out)?,
            NDIS_STATUS_SUCCESS,
        )?;
    }
    for (p, _) in left
        .into_iter()
        .filter(|_| !tc::behaviour().separate_elements)
    {
        status(
            "final delete in",
            tc::delete(&rx, &[p.inb])?,
            NDIS_STATUS_SUCCESS,
        )?;
        status(
            "final delete out",
            tc::delete(&tx, &[p.out])?,
            NDIS_STATUS_SUCCESS,
        )?;
    }
    eq("tx SAs left", tx.sas().table().len(), 0)?;
    eq("rx SAs left", rx.sas().table().len(), 0)?;
    Ok(())
}

pub fn churn_cases(v: &mut Vec<Case>) {
    const G: &str = "churn";
    for (name, senders, esn, seed) in [
        ("two-senders", 2, false, 1u64),
        ("three-senders", 3, false, 2),
        ("esn-update-under-traffic", 2, true, 3),
    ] {
        v.push(case(
            G,
            name,
            "SAs added, deleted (and updated) on one thread while others send and receive through the filter core",
            move || churn(senders, esn, 600, seed),
        ));
    }
}
