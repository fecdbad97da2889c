//! A GCM key that can run on the wide tier: the XMM key (round keys, H..H^8) and H^9..H^16,
//! 512 bytes. Made only on a CPU with the wide tier (`WideCpu`): elsewhere a GCM key is the XMM
//! key alone, 384 bytes.

use core::arch::x86_64::__m128i;

use alloc::boxed::Box;

use zeroize::Zeroize;

use crate::x86::cpuid::{WideCpu, Xmm};
use crate::x86::gcm::GcmKey;
use crate::x86::ghash::powers_above;
use crate::KeyError;

/// The XMM key and H^9..H^16 (`h_hi[i]` = H^(i+9)).
pub(crate) struct WideGcmKey {
    pub(crate) key: GcmKey,
    pub(super) h_hi: [__m128i; 8],
}

impl core::fmt::Debug for WideGcmKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WideGcmKey")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Drop for WideGcmKey {
    fn drop(&mut self) {
        self.h_hi.zeroize();
    }
}

impl WideGcmKey {
    /// Prepares `key` on the heap, in place. `Ok(None)`: a key of the wrong length; `Err`: no
    /// memory.
    pub(crate) fn new(cpu: Xmm, _wide: WideCpu, key: &[u8]) -> Result<Option<Box<Self>>, KeyError> {
        let mut k = ipsecov2_fallible::try_box(Self {
            key: GcmKey::empty(),
            h_hi: [crate::x86::block::zero(); 8],
        })
        .map_err(|_| KeyError::NoMemory)?;
        if !k.key.init(cpu, key) {
            return Ok(None);
        }
        let (h, hi) = (k.key.h(), &mut k.h_hi);
        // SAFETY: `Xmm` is proof that CPUID reported AES-NI, PCLMULQDQ, SSSE3 and SSE4.1.
        unsafe { powers_above(h, hi) };
        Ok(Some(k))
    }

    /// [`GcmKey::touch`] and the two lines of H^9..H^16: 8.
    pub(crate) fn touch(&self) -> u32 {
        for i in [0, 4] {
            if let Some(h) = self.h_hi.get(i) {
                core::hint::black_box(*h);
            }
        }
        self.key.touch() + 2
    }
}
