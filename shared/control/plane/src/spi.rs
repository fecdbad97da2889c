//! Inbound SPI reservation (6.6.18, 6.6.19). Reservation and adding an SA with a caller-chosen
//! SPI may be mixed (we never return `NPF_IPSEC_E_RESERVESPIMODE`): a reserved SPI belongs to its
//! policy until an inbound SA of that policy uses it or it is released.

use crate::datapath::SaStore;
use crate::error::PlaneError;
use crate::plane::{ControlPlane, ReservedSpi};
use crate::sa::MIN_SPI;
use crate::selector;
use crate::types::{Direction, PolicyHandle, Selector};

impl<S: SaStore> ControlPlane<S> {
    /// True when an inbound SA or a reservation uses `spi`.
    pub(crate) fn spi_taken(&self, spi: u32) -> bool {
        self.spis.iter().any(|r| r.spi == spi)
            || self.sas.iter().any(|(_, sa)| {
                sa.direction == Direction::Inbound && sa.sas.iter().any(|m| m.params.spi == spi)
            })
    }

    /// `NPF_IPSecInSA_ReserveSPI` (6.6.18): a fresh inbound SPI for `policy` (an inbound
    /// protecting policy). `NPF_IPSEC_E_NOMEMORY` when the reservation table is full (the text's
    /// `NPF_IPSEC_E_NOSPI` is not defined by the header).
    pub fn reserve_spi(
        &mut self,
        policy: PolicyHandle,
        selectors: &[Selector],
    ) -> Result<u32, PlaneError> {
        if !selectors.is_empty() {
            selector::validate_all(selectors)?;
        }
        let rec = self.policy(policy)?;
        if rec.direction != Direction::Inbound {
            return Err(PlaneError::InvalidPolicyHandle);
        }
        if self.spis.len() >= self.limits.reserved_spis {
            return Err(PlaneError::NoMemory);
        }
        // At most (reservations + inbound SAs × 2) values are taken: this many tries find one.
        let tries = self.spis.len() + self.sas.len() * 2 + 1;
        let mut spi = self.next_spi.max(MIN_SPI);
        let mut found = None;
        for _ in 0..tries {
            if !self.spi_taken(spi) {
                found = Some(spi);
                break;
            }
            spi = spi.checked_add(1).unwrap_or(MIN_SPI);
        }
        let spi = found.ok_or(PlaneError::NoMemory)?;
        self.spis.try_reserve(1)?;
        self.spis.push(ReservedSpi { spi, policy });
        self.next_spi = spi.checked_add(1).unwrap_or(MIN_SPI);
        Ok(spi)
    }

    /// `NPF_IPSecInSA_ReleaseSPI` (6.6.19): `NPF_IPSEC_E_SPIINUSE` if an inbound SA of the
    /// policy uses it, `NPF_IPSEC_E_BAD_SPI` if it is not reserved for the policy.
    pub fn release_spi(&mut self, policy: PolicyHandle, spi: u32) -> Result<(), PlaneError> {
        self.policy(policy)?;
        if let Some(i) = self
            .spis
            .iter()
            .position(|r| r.spi == spi && r.policy == policy)
        {
            self.spis.swap_remove(i);
            return Ok(());
        }
        let in_use = self.sas.iter().any(|(_, sa)| {
            sa.policy == policy
                && sa.direction == Direction::Inbound
                && sa.sas.iter().any(|m| m.params.spi == spi)
        });
        Err(if in_use {
            PlaneError::SpiInUse
        } else {
            PlaneError::BadSpi
        })
    }

    /// The SPIs reserved now, with their policies.
    pub fn reserved_spis(&self) -> impl Iterator<Item = (u32, PolicyHandle)> + '_ {
        self.spis.iter().map(|r| (r.spi, r.policy))
    }
}
