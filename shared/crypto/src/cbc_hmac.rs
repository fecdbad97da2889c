//! AES-CBC with HMAC-SHA-256 in one pass (encrypt-then-MAC, the ESP order: the MAC covers the
//! ciphertext). On a CPU with SHA-NI and a key on the XMM tier the CBC and the SHA-256 rounds
//! are stitched (`x86::cbc_sha`); otherwise the two run one after the other, with the same
//! results.
//!
//! The message is `msg`: the authenticated bytes from the start (for ESP: header, IV, body),
//! the CBC body `msg[body_at..]` (whole blocks) with its IV in the 16 bytes before it, then
//! `trailer` (authenticated, not encrypted: ESP's high sequence half with ESN, else empty).

use zeroize::Zeroize;

use crate::cbc::AesCbc;
use crate::error::CbcHmacError;
use crate::hmac::HmacSha256;

/// Checks the body's place and length; returns the IV.
fn iv_of(msg: &[u8], body_at: usize) -> Result<[u8; 16], CbcHmacError> {
    let start = body_at.checked_sub(16).ok_or(CbcHmacError::NoIv)?;
    let iv = msg
        .get(start..body_at)
        .and_then(|b| <[u8; 16]>::try_from(b).ok())
        .ok_or(CbcHmacError::NoIv)?;
    let len = msg.len() - body_at;
    if !len.is_multiple_of(16) {
        return Err(CbcHmacError::NotBlockMultiple { len });
    }
    Ok(iv)
}

/// Seal: CBC-encrypts `msg[body_at..]` in place and returns the full HMAC-SHA-256 of
/// `msg || trailer` (over the ciphertext). Refused before any byte is touched when the body
/// is not whole blocks, has no IV in front of it, or the key cannot encrypt.
pub fn seal_in_place(
    cbc: &AesCbc,
    mac: &HmacSha256,
    msg: &mut [u8],
    body_at: usize,
    trailer: &[u8],
) -> Result<[u8; 32], CbcHmacError> {
    let mut iv = iv_of(msg, body_at)?;
    if !cbc.can_encrypt() {
        return Err(CbcHmacError::Direction);
    }
    #[cfg(target_arch = "x86_64")]
    if let (Some(cpu), Some((Some(enc), _))) = (mac.tier().sha_ni(), cbc.xmm_schedules()) {
        let mut state = mac.inner_state();
        let hashed = crate::x86::cbc_sha::seal(cpu, enc, &mut state, msg, body_at);
        let mut s = mac.resume(state, hashed as u64);
        state.zeroize();
        s.update(msg.get(hashed..).unwrap_or(&[]));
        s.update(trailer);
        iv.zeroize();
        return Ok(s.finish());
    }
    let body = msg.get_mut(body_at..).ok_or(CbcHmacError::NoIv)?;
    cbc.encrypt_in_place(&iv, body)
        .map_err(|_| CbcHmacError::Direction)?;
    iv.zeroize();
    Ok(mac.mac(&[msg, trailer]))
}

/// Open: checks the first `icv.len()` bytes (1 to 32) of the HMAC-SHA-256 of `msg || trailer`
/// against `icv` in constant time and CBC-decrypts `msg[body_at..]` in place. On a mismatch
/// ([`CbcHmacError::TagMismatch`]) `msg` is left as it was received (the stitched code, which
/// decrypts while it hashes, encrypts the body back; that costs time depending on the length
/// only). Other refusals come before any byte is touched.
pub fn open_in_place(
    cbc: &AesCbc,
    mac: &HmacSha256,
    msg: &mut [u8],
    body_at: usize,
    trailer: &[u8],
    icv: &[u8],
) -> Result<(), CbcHmacError> {
    let mut iv = iv_of(msg, body_at)?;
    if !cbc.can_decrypt() {
        return Err(CbcHmacError::Direction);
    }
    #[cfg(target_arch = "x86_64")]
    if let (Some(cpu), Some((Some(_), Some(dec)))) = (mac.tier().sha_ni(), cbc.xmm_schedules()) {
        let mut state = mac.inner_state();
        let mut tail = [0u8; 64];
        let (hashed, t) = crate::x86::cbc_sha::open(cpu, dec, &mut state, msg, body_at, &mut tail);
        let mut s = mac.resume(state, hashed as u64);
        state.zeroize();
        s.update(tail.get(..t).unwrap_or(&[]));
        tail.zeroize();
        s.update(trailer);
        let verdict = s.verify(icv);
        if verdict.is_err() {
            // Back to the ciphertext (the key has both directions: checked above).
            if let Some(body) = msg.get_mut(body_at..) {
                let _ = cbc.encrypt_in_place(&iv, body);
            }
        }
        iv.zeroize();
        return verdict.map_err(|_| CbcHmacError::TagMismatch);
    }
    mac.verify(&[msg, trailer], icv)
        .map_err(|_| CbcHmacError::TagMismatch)?;
    let body = msg.get_mut(body_at..).ok_or(CbcHmacError::NoIv)?;
    cbc.decrypt_in_place(&iv, body)
        .map_err(|_| CbcHmacError::Direction)?;
    iv.zeroize();
    Ok(())
}
