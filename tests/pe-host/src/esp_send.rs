//! One ESP packet sent by TCP/IP through a running module of the loaded driver on an offload
//! handle the caller names (an SA bundle the control plane installed through the control
//! device, for instance), completed by the miniport below: what a control-plane test needs to
//! make an SA's byte counters move in the binary (lifetimes in kilobytes).

use ipsecov2_ndis_emu::{tcpip, OwnedNblChain, SplitMix64};

use crate::driver::DriverHost;
use crate::filter_module::ModuleError;
use crate::kernel::datapath;

/// Why an ESP packet could not be sent.
#[derive(Debug)]
pub enum EspSendError {
    /// No ESP algorithm of the emulation's framer has that name.
    UnknownAlgorithm(String),
    /// The NBL chain could not be built.
    Chain(String),
    /// The host refused a module step (state, handler).
    Module(ModuleError),
    /// The driver did not complete the NBL back (it is kept alive, leaked, and the verifier
    /// reports it at detach).
    NotCompleted,
}

/// TCP/IP's first frame (sequence 1) of `payload`, upper-layer protocol `proto`, in an IPv4
/// transport-mode ESP packet (no IPv4 options) for SPI `spi` of the framer's algorithm `alg`.
pub fn esp_v4_frame(alg: &tcpip::EspAlg, spi: u32, payload: &[u8], proto: u8) -> tcpip::Framed {
    let layer = tcpip::Layer {
        esp: Some((alg.shape, spi)),
        ah: None,
        udp: false,
    };
    let ip = tcpip::Ip {
        v6: false,
        extras: false,
    };
    tcpip::frame(&ip, &layer, 1, payload, proto)
}

impl From<ModuleError> for EspSendError {
    fn from(e: ModuleError) -> Self {
        Self::Module(e)
    }
}

impl DriverHost {
    /// TCP/IP frames an IPv4 transport-mode ESP packet with `payload` bytes of TCP payload for
    /// SPI `spi` with the framer's algorithm `alg` (e.g. `aes128+sha1`, the names of
    /// `tcpip::esp_algs`) and sends it through module `m` with offload handle `offload`, at
    /// DISPATCH_LEVEL; the miniport completes what reaches it. Returns the NBL's completion
    /// status and the bytes that went on the wire.
    pub fn send_esp(
        &mut self,
        m: usize,
        offload: u64,
        spi: u32,
        alg: &str,
        payload: usize,
    ) -> Result<(i32, usize), EspSendError> {
        let algs = tcpip::esp_algs();
        let a = algs
            .iter()
            .find(|a| a.name == alg)
            .ok_or_else(|| EspSendError::UnknownAlgorithm(alg.to_owned()))?;
        let bytes: Vec<u8> = (0..payload).map(|i| (i * 7) as u8).collect();
        let f = esp_v4_frame(a, spi, &bytes, 6);
        let mut rng = SplitMix64::new(u64::from(spi));
        let owned = OwnedNblChain::build(&[tcpip::send_nbl(
            &mut rng,
            &[&f.frame],
            offload,
            0,
            f.header_info,
        )])
        .map_err(|e| EspSendError::Chain(e.to_string()))?;
        let head = owned
            .nbl_ptr(0)
            .ok_or_else(|| EspSendError::Chain("empty chain".into()))?
            .cast();
        // SAFETY: `owned` stays alive until the driver completes its NBL (else it is leaked
        // below, so the driver may keep touching it).
        let sent = unsafe { self.send(m, head, true) };
        if let Err(e) = sent {
            core::mem::forget(owned);
            return Err(e.into());
        }
        let wire: usize = self
            .complete_below(m, 0, true)?
            .iter()
            .flatten()
            .map(Vec::len)
            .sum();
        let done = datapath::with(m, |l| core::mem::take(&mut l.completed_up)).unwrap_or_default();
        match done.iter().find(|(n, _)| *n == head as usize) {
            Some(&(_, status)) => Ok((status, wire)),
            None => {
                core::mem::forget(owned);
                Err(EspSendError::NotCompleted)
            }
        }
    }
}
