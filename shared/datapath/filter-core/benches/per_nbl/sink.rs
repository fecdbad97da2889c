//! The sink the driver would be: every original NBL is appended to the chain going down (the
//! protected ones stand for their filter-owned copies), the copies are kept until the
//! send-complete (here: the end of the iteration) releases them to the pool.

use ipsecov2_abi::NDIS_STATUS;
use ipsecov2_filter_core::{HostTxBuffer, SendDrop, SendSink};
use ipsecov2_nbl::NblChain;

use crate::setup::POOL_BUFFERS;

/// See the module documentation.
pub struct DownSink<'a> {
    /// The chain going down.
    pub down: NblChain<'a>,
    /// The protected copies not yet send-completed.
    pub in_flight: Vec<HostTxBuffer>,
    /// NBLs passed down unprotected or completed with an error (0 in every run).
    pub not_protected: usize,
}

impl<'a> DownSink<'a> {
    /// A sink whose chain going down starts as `down`.
    pub fn new(down: NblChain<'a>) -> Self {
        Self {
            down,
            in_flight: Vec::with_capacity(POOL_BUFFERS),
            not_protected: 0,
        }
    }
}

impl<'a> SendSink<'a, HostTxBuffer> for DownSink<'a> {
    fn pass_down(&mut self, nbl: NblChain<'a>) {
        self.not_protected += 1;
        self.down.append(nbl);
    }
    fn stage(&mut self, packet: HostTxBuffer) {
        self.in_flight.push(packet);
    }
    fn protected(&mut self, original: NblChain<'a>) {
        self.down.append(original);
    }
    fn complete(&mut self, original: NblChain<'a>, _status: NDIS_STATUS, _reason: SendDrop) {
        self.not_protected += 1;
        self.down.append(original);
    }
}
