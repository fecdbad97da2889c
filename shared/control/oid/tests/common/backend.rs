//! An `SaBackend` over the real SA table (host lock). The payload keeps an owned copy of what
//! was decoded, so tests can check that exactly the right bytes reached the table.

use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU32, Ordering};

use ipsecov2_oid::{
    BackendError, Encryption, Integrity, IpVersion, IpsecProtocol, SaBackend, SaSpec, UpdateError,
};
use ipsecov2_satable::{
    AddError, Arc, HostSaTable, InboundKey, InboundKeys, IpAddress, OffloadHandle, SaEntry,
    TableSeed,
};

/// One SA of a stored bundle.
#[derive(Debug)]
pub struct StoredSa {
    pub protocol: IpsecProtocol,
    pub spi: u32,
    pub esn: bool,
    pub seq_high: AtomicU32,
    pub encryption: Encryption,
    pub integrity: Integrity,
    pub key: Vec<u8>,
}

/// The payload: a decoded bundle, owned.
#[derive(Debug)]
pub struct StoredBundle {
    pub inbound: bool,
    pub dst: IpAddress,
    pub sas: Vec<StoredSa>,
    pub udp_esp: u32,
    pub switch: Option<(u32, u16)>,
}

impl Drop for StoredBundle {
    fn drop(&mut self) {
        for sa in &mut self.sas {
            sa.key.iter_mut().for_each(|b| *b = 0);
        }
    }
}

fn protocol(p: IpsecProtocol) -> ipsecov2_satable::IpsecProtocol {
    match p {
        IpsecProtocol::Esp => ipsecov2_satable::IpsecProtocol::Esp,
        IpsecProtocol::Ah => ipsecov2_satable::IpsecProtocol::Ah,
    }
}

impl SaEntry for StoredBundle {
    fn inbound_keys(&self) -> InboundKeys {
        if !self.inbound {
            return InboundKeys::NONE;
        }
        let key = |s: &StoredSa| InboundKey::new(s.spi, self.dst, protocol(s.protocol));
        match self.sas.as_slice() {
            [one] => InboundKeys::one(key(one)),
            [a, b] => InboundKeys::two(key(a), key(b)),
            _ => InboundKeys::NONE,
        }
    }
}

/// The real table behind the OID handlers.
pub struct TableBackend {
    pub table: HostSaTable<StoredBundle>,
}

impl TableBackend {
    pub fn new(capacity: usize) -> Self {
        let seed = TableSeed::from_words([1, 2, 3, 4]);
        Self {
            table: HostSaTable::with_capacity(capacity, seed).unwrap(),
        }
    }

    pub fn get(&self, handle: u64) -> Option<Arc<StoredBundle>> {
        self.table.get(OffloadHandle::from_u64(handle)?)
    }
}

impl SaBackend for TableBackend {
    fn add(&self, spec: &SaSpec<'_>) -> Result<NonZeroU64, BackendError> {
        let dst = match spec.destination.version {
            IpVersion::V4 => {
                let b = spec.destination.bytes;
                IpAddress::v4([b[0], b[1], b[2], b[3]])
            }
            IpVersion::V6 => IpAddress::v6(spec.destination.bytes),
        };
        let sas = spec
            .bundle
            .sas()
            .map(|s| StoredSa {
                protocol: s.protocol,
                spi: s.spi,
                esn: s.esn,
                seq_high: AtomicU32::new(s.seq_high),
                encryption: s.encryption,
                integrity: s.integrity,
                key: [s.encryption_key, s.integrity_key].concat(),
            })
            .collect();
        let bundle = Arc::new(StoredBundle {
            inbound: spec.inbound,
            dst,
            sas,
            udp_esp: spec.udp_esp.0,
            switch: spec.switch,
        });
        match self.table.add(bundle) {
            Ok(h) => Ok(h.into()),
            Err(rejected) => Err(match rejected.error {
                AddError::Full => BackendError::Full,
                AddError::DuplicateInboundKey(_) => BackendError::DuplicateInbound,
                // One destination per SA bundle: cannot happen for a decoded ADD_SA element.
                AddError::MixedDestinations => BackendError::Unsupported,
            }),
        }
    }

    fn delete(&self, handle: u64) -> bool {
        OffloadHandle::from_u64(handle).is_some_and(|h| self.table.delete(h).is_some())
    }

    fn update_sequence_high(
        &self,
        handle: u64,
        protocol: IpsecProtocol,
        spi: u32,
        seq_high: u32,
    ) -> Result<(), UpdateError> {
        let h = OffloadHandle::from_u64(handle).ok_or(UpdateError::UnknownHandle)?;
        self.table
            .with_sa(h, |b| {
                let sa = b
                    .sas
                    .iter()
                    .find(|s| s.protocol == protocol && s.spi == spi)
                    .ok_or(UpdateError::NoSuchSa)?;
                if !sa.esn {
                    return Err(UpdateError::NotEsn);
                }
                sa.seq_high.store(seq_high, Ordering::Release);
                Ok(())
            })
            .ok_or(UpdateError::UnknownHandle)?
    }
}
