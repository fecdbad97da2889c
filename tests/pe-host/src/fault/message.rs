//! A fixed buffer that formats without allocating, for reports written from a signal handler.

use core::fmt;

/// Up to 1 KiB of text; what does not fit is cut.
#[derive(Debug)]
pub struct Message {
    buf: [u8; 1024],
    len: usize,
}

impl Default for Message {
    fn default() -> Self {
        Self {
            buf: [0; 1024],
            len: 0,
        }
    }
}

impl Message {
    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Writes the message to stderr with `write(2)` (async-signal-safe).
    pub fn write_stderr(&self) {
        let bytes = self.as_bytes();
        let mut done = 0;
        while done < bytes.len() {
            let rest = &bytes[done..];
            // SAFETY: `rest` is a valid buffer of `rest.len()` bytes.
            let n = unsafe { libc::write(2, rest.as_ptr().cast(), rest.len()) };
            if n <= 0 {
                return;
            }
            done += n as usize;
        }
    }
}

impl fmt::Write for Message {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.buf.len() - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}
