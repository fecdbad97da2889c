//! Group `churn`: SA add, update and delete on a control thread while sender threads push
//! traffic through one filter module and a receiver thread takes it through another
//! ([`SharedPair`]: two filter cores, or two modules of the driver binary). What reaches the wire
//! is matched to what TCP/IP sent by its content once decrypted (on the driver, a sender's call
//! may carry other threads' frames to the wire).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::hosts::*;
use super::{ensure, eq, module_case, status};
use crate::capture;
use crate::target_shared::{SharedCalls, SharedPair, Side};
use crate::tcpip as tc;
use crate::{Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::tcpip::{esp_algs, frame, masked, send_nbl, Framed, Ip, RecvView};
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
    /// UPDATE_SA pairs begun / finished (ESN): a packet sent while an update is in flight, or
    /// opened after one began since it was sent, may fail its ICV (the high bits changed on one
    /// side first), no other may.
    updates_started: AtomicU64,
    updates_done: AtomicU64,
    auth_races: AtomicU64,
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

/// A packet TCP/IP sent and saw complete with success: its frame, SPI, and how many
/// UPDATE_SAs had begun and finished when it was sent.
struct Expect {
    f: Framed,
    spi: u32,
    started: u64,
    finished: u64,
}

/// What TCP/IP above the receiver got of one frame on the wire, and when.
struct Got {
    wire: Vec<u8>,
    view: RecvView,
    bytes: Vec<u8>,
    /// UPDATE_SAs begun when it was received.
    begun: u64,
}

/// The SPI of an ESP-over-IPv4 frame.
fn spi_of(frame: &[u8]) -> Option<u32> {
    let ihl = usize::from(frame.get(ETH_LEN)? & 0x0f) * 4;
    let at = ETH_LEN + ihl;
    Some(u32::from_be_bytes(frame.get(at..at + 4)?.try_into().ok()?))
}

/// Ethernet header length.
const ETH_LEN: usize = 14;

/// Runs the churn on the current target's [`SharedPair`].
fn churn(senders: usize, esn: bool, ms: u64, seed: u64) -> Outcome {
    match crate::target::current() {
        crate::target::Target::Emulated => {
            churn_on::<crate::target_shared::CoreShared>(senders, esn, ms, seed)
        }
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        crate::target::Target::Sys(_) => {
            churn_on::<crate::target_sys_shared::SysShared>(senders, esn, ms, seed)
        }
        #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
        crate::target::Target::Sys(_) => Err("the sys target needs Linux on x86-64".into()),
        // Not run there (`target::why_not_device`).
        crate::target::Target::Device(_) => Err(format!(
            "sys only: {}",
            crate::target::why_not_device("churn", "").unwrap_or_default()
        )),
    }
}

/// `senders` threads send through the pair's sender with handles from the live set, one thread
/// receives what reached the wire through its receiver, one thread adds, deletes and updates SA
/// pairs on both, for `ms`.
fn churn_on<P: SharedPair>(senders: usize, esn: bool, ms: u64, seed: u64) -> Outcome {
    let _no_capture = NoCapture::new();
    let mut pair = P::open()?;
    let calls = pair.calls();
    let g = gcm()?;
    let cbc = esp_algs()
        .into_iter()
        .find(|a| a.name.contains("aes128") && a.name.contains("sha1"))
        .ok_or("no aes128+sha1 transform")?;
    let live: Mutex<Vec<(LivePair, bool)>> = Mutex::new(Vec::new());
    let wire: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    let expect: Mutex<Vec<Expect>> = Mutex::new(Vec::new());
    let got: Mutex<Vec<Got>> = Mutex::new(Vec::new());
    let stop = AtomicBool::new(false);
    // Senders still running: the receiver stops only when none is left and the wire is empty
    // (a sender may push its last packet after `stop` is set).
    let sending = std::sync::atomic::AtomicUsize::new(senders);
    let stats = ChurnStats::default();
    let fail: Mutex<Option<String>> = Mutex::new(None);
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
            let (live, stop, stats, fail) = (&live, &stop, &stats, &fail);
            let xform = &xform;
            s.spawn(move || {
                tc::set_behaviour(behaviour);
                if let Err(e) = calls.enter_thread() {
                    set_fail(fail, format!("control: {e}"));
                    stop.store(true, Ordering::Release);
                    return;
                }
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
                        let out = calls.add(Side::Tx, &x.add_sa(spi, false))?;
                        let inb = calls.add(Side::Rx, &x.add_sa(spi, true))?;
                        stats.added.fetch_add(1, Ordering::Relaxed);
                        let mut l = live.lock().map_err(|_| "poisoned")?;
                        l.push((LivePair { out, inb, spi }, use_cbc));
                        if l.len() > 8 + (rng.next_u64() % 24) as usize {
                            // Out of the live set first: a send may fail on it from now on.
                            let (old, _) = l.remove(0);
                            drop(l);
                            // Inbound first, then outbound, as TCP/IP does on rekey.
                            status(
                                "delete inbound",
                                calls.delete(Side::Rx, &[old.inb])?,
                                NDIS_STATUS_SUCCESS,
                            )?;
                            status(
                                "delete outbound",
                                calls.delete(Side::Tx, &[old.out])?,
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
                                    calls.update(Side::Rx, p.inb, p.spi, high)?,
                                    NDIS_STATUS_SUCCESS,
                                )?;
                                status(
                                    "UPDATE_SA out",
                                    calls.update(Side::Tx, p.out, p.spi, high)?,
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
            let (live, wire, expect, stop, stats, fail) =
                (&live, &wire, &expect, &stop, &stats, &fail);
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
                if let Err(e) = calls.enter_thread() {
                    set_fail(fail, format!("sender {t}: {e}"));
                    return;
                }
                let mut rng = SplitMix64::new(seed ^ (t as u64 + 1) << 32);
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
                    let finished = stats.updates_done.load(Ordering::Acquire);
                    match calls.send(spec) {
                        Ok((st, frames)) if st == NDIS_STATUS_SUCCESS => {
                            stats.protected.fetch_add(1, Ordering::Relaxed);
                            if let Ok(mut e) = expect.lock() {
                                e.push(Expect {
                                    f,
                                    spi: p.spi,
                                    started,
                                    finished,
                                });
                            }
                            if let Ok(mut q) = wire.lock() {
                                q.extend(frames);
                            }
                        }
                        Ok((st, frames)) if st == NDIS_STATUS_FAILURE => {
                            // The SA was deleted between the pick and the send: it left the
                            // live set before its DELETE_SA began.
                            let still_live = live
                                .lock()
                                .is_ok_and(|l| l.iter().any(|(q, _)| q.out == p.out));
                            if still_live {
                                set_fail(fail, "send failed with a live handle".into());
                                break;
                            }
                            stats.unknown.fetch_add(1, Ordering::Relaxed);
                            if let Ok(mut q) = wire.lock() {
                                q.extend(frames);
                            }
                        }
                        other => {
                            set_fail(fail, format!("sender {t}: unexpected {other:x?}"));
                            break;
                        }
                    }
                }
            });
        }
        // Receiver.
        {
            let (wire, got, stop, stats, fail) = (&wire, &got, &stop, &stats, &fail);
            let sending = &sending;
            s.spawn(move || {
                tc::set_behaviour(behaviour);
                if let Err(e) = calls.enter_thread() {
                    set_fail(fail, format!("receiver: {e}"));
                    return;
                }
                let mut rng = SplitMix64::new(seed ^ 0xabcd);
                loop {
                    let batch: Vec<Vec<u8>> = wire
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
                    let r = calls.receive(&mut rng, &batch);
                    let begun = stats.updates_started.load(Ordering::Acquire);
                    match r {
                        Ok(g) => {
                            if let Ok(mut all) = got.lock() {
                                all.extend(g.into_iter().zip(batch).map(
                                    |((view, bytes), wire)| Got {
                                        wire,
                                        view,
                                        bytes,
                                        begun,
                                    },
                                ));
                            }
                        }
                        Err(e) => {
                            set_fail(fail, format!("receiver: {e}"));
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = fail.lock().map_err(|_| "poisoned")?.take() {
        return Err(e);
    }
    // Every packet TCP/IP got: decrypted into one TCP/IP sent on its SPI, untouched (its SA
    // gone), or failed authentication across an UPDATE_SA of its SA pair's high bits.
    let mut expect = expect.into_inner().map_err(|_| "poisoned")?;
    for g in got.into_inner().map_err(|_| "poisoned")? {
        let spi = spi_of(&g.wire).ok_or("a frame on the wire without an ESP SPI")?;
        if !g.view.crypto_done {
            ensure!(g.bytes == g.wire, "SPI {spi:#x}: untouched packet changed");
            stats.untouched.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        if g.view.status == CRYPTO_TRANSPORT_ESP_AUTH_FAILED {
            // Sent while an update was in flight (the outbound SA may still have had the old
            // high bits, the inbound one the new), or opened after one began since.
            let raced = expect
                .iter()
                .any(|e| e.spi == spi && (e.finished != e.started || g.begun != e.started));
            ensure!(
                raced,
                "SPI {spi:#x}: authentication failed with no update in flight"
            );
            stats.auth_races.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        eq(
            &format!("SPI {spi:#x}: CryptoStatus"),
            g.view.status,
            CRYPTO_SUCCESS,
        )?;
        let at = expect
            .iter()
            .position(|e| {
                e.spi == spi
                    && e.f.frame.len() == g.bytes.len()
                    && masked(&g.bytes, &e.f.written) == masked(&e.f.frame, &e.f.written)
            })
            .ok_or_else(|| format!("SPI {spi:#x}: decrypted into nothing TCP/IP sent"))?;
        expect.swap_remove(at);
        stats.verified.fetch_add(1, Ordering::Relaxed);
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
    calls.enter_thread()?;
    // Every pair still installed carries traffic after the churn.
    let left = live.into_inner().map_err(|_| "poisoned")?;
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
        let spec = send_nbl(&mut rng, &[&f.frame], p.out, 0, f.header_info);
        let (st, w) = calls.send(spec)?;
        status(
            &format!("SPI {:#x} after the churn: send", p.spi),
            st,
            NDIS_STATUS_SUCCESS,
        )?;
        eq("frames on the wire", w.len(), 1)?;
        let got = calls.receive(&mut rng, &w)?;
        ensure!(
            got.iter().all(|(v, b)| v.crypto_done
                && v.status == CRYPTO_SUCCESS
                && masked(b, &f.written) == masked(&f.frame, &f.written)),
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
            calls.delete(Side::Rx, &inb)?,
            NDIS_STATUS_SUCCESS,
        )?;
        status(
            "final delete out",
            calls.delete(Side::Tx, &out)?,
            NDIS_STATUS_SUCCESS,
        )?;
    }
    for (p, _) in left
        .into_iter()
        .filter(|_| !tc::behaviour().separate_elements)
    {
        status(
            "final delete in",
            calls.delete(Side::Rx, &[p.inb])?,
            NDIS_STATUS_SUCCESS,
        )?;
        status(
            "final delete out",
            calls.delete(Side::Tx, &[p.out])?,
            NDIS_STATUS_SUCCESS,
        )?;
    }
    let (tx, rx) = pair.sas_left()?;
    eq("tx SAs left", tx, 0)?;
    eq("rx SAs left", rx, 0)?;
    pair.finish()
}

pub fn churn_cases(v: &mut Vec<Case>) {
    const G: &str = "churn";
    for (name, senders, esn, seed) in [
        ("two-senders", 2, false, 1u64),
        ("three-senders", 3, false, 2),
        ("esn-update-under-traffic", 2, true, 3),
    ] {
        v.push(module_case(
            G,
            name,
            "SAs added, deleted (and updated) on one thread while others send and receive through the filter modules",
            move || churn(senders, esn, 600, seed),
        ));
    }
}
