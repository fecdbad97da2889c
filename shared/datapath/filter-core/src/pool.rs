//! Filter-owned transmit buffers: the send path writes the protected copy of each NET_BUFFER
//! into one of them, never into TCP/IP's memory.
//!
//! The driver implements [`TxPool`] over NBLs, NET_BUFFERs and MDLs it allocated at attach (one
//! NET_BUFFER with one MDL over a non-paged buffer per entry, `NdisAllocateNetBufferAndNetBufferList`
//! plus a pre-sized MDL); [`HostTxPool`] is the host implementation for tests and the emulation.
//! Neither allocates per packet: `acquire` takes a free entry, dropping the buffer returns it.

/// One filter-owned transmit buffer of at least the length asked for.
pub trait TxBuffer {
    /// The packet bytes (exactly the length given to [`TxPool::acquire`]).
    fn bytes(&self) -> &[u8];
    /// The packet bytes, writable.
    fn bytes_mut(&mut self) -> &mut [u8];
}

/// A bounded pool of pre-allocated transmit buffers.
pub trait TxPool {
    /// A buffer taken from the pool; returned to it when dropped.
    type Buffer: TxBuffer;
    /// A free buffer holding `len` bytes, or `None` when every buffer is in use or `len` exceeds
    /// the buffers' capacity. Must not allocate.
    fn acquire(&self, len: usize) -> Option<Self::Buffer>;
}

#[cfg(feature = "std")]
pub use host::{HostTxBuffer, HostTxPool};

#[cfg(feature = "std")]
mod host {
    extern crate std;

    use alloc::boxed::Box;
    use alloc::sync::Arc;
    use alloc::vec;
    use alloc::vec::Vec;
    use std::sync::Mutex;

    use super::{TxBuffer, TxPool};

    type FreeList = Mutex<Vec<Box<[u8]>>>;

    /// Host [`TxPool`]: `count` buffers of `capacity` bytes allocated at creation, a free list
    /// with room for all of them (so returning a buffer never reallocates).
    #[derive(Debug, Clone)]
    pub struct HostTxPool {
        free: Arc<FreeList>,
        capacity: usize,
        count: usize,
    }

    impl HostTxPool {
        /// A pool of `count` buffers of `capacity` bytes each.
        #[must_use]
        pub fn new(count: usize, capacity: usize) -> Self {
            let mut free = Vec::with_capacity(count);
            for _ in 0..count {
                free.push(vec![0u8; capacity].into_boxed_slice());
            }
            Self {
                free: Arc::new(Mutex::new(free)),
                capacity,
                count,
            }
        }

        /// Buffers currently free.
        #[must_use]
        pub fn free_count(&self) -> usize {
            self.free.lock().map_or(0, |f| f.len())
        }

        /// Buffers the pool was created with.
        #[must_use]
        pub fn count(&self) -> usize {
            self.count
        }
    }

    impl TxPool for HostTxPool {
        type Buffer = HostTxBuffer;

        fn acquire(&self, len: usize) -> Option<HostTxBuffer> {
            if len > self.capacity {
                return None;
            }
            let data = self.free.lock().ok()?.pop()?;
            Some(HostTxBuffer {
                data: Some(data),
                len,
                free: Arc::clone(&self.free),
            })
        }
    }

    /// A buffer of a [`HostTxPool`]; goes back to the pool when dropped.
    #[derive(Debug)]
    pub struct HostTxBuffer {
        data: Option<Box<[u8]>>,
        len: usize,
        free: Arc<FreeList>,
    }

    impl TxBuffer for HostTxBuffer {
        fn bytes(&self) -> &[u8] {
            self.data
                .as_deref()
                .and_then(|d| d.get(..self.len))
                .unwrap_or(&[])
        }

        fn bytes_mut(&mut self) -> &mut [u8] {
            let len = self.len;
            self.data
                .as_deref_mut()
                .and_then(|d| d.get_mut(..len))
                .unwrap_or(&mut [])
        }
    }

    impl Drop for HostTxBuffer {
        fn drop(&mut self) {
            if let (Some(data), Ok(mut free)) = (self.data.take(), self.free.lock()) {
                free.push(data);
            }
        }
    }
}
