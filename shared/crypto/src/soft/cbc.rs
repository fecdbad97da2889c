//! AES-CBC over the `aes` crate: serial encryption, decryption by 8 blocks.

use aes::Block;
use zeroize::Zeroize;

use super::aes::SoftAes;

pub(crate) fn encrypt(aes: &SoftAes, iv: &[u8; 16], data: &mut [u8]) {
    let mut chain = *iv;
    for b in data.chunks_exact_mut(16) {
        for (x, c) in chain.iter_mut().zip(b.iter()) {
            *x ^= *c;
        }
        aes.encrypt(&mut chain);
        b.copy_from_slice(&chain);
    }
    chain.zeroize();
}

pub(crate) fn decrypt(aes: &SoftAes, iv: &[u8; 16], data: &mut [u8]) {
    let mut prev = *iv;
    let whole = data.len() / 16 * 16;
    for g in data[..whole].chunks_mut(128) {
        let n = g.len() / 16;
        let mut ct = [Block::default(); 8];
        for (b, c) in ct.iter_mut().zip(g.chunks_exact(16)) {
            b.copy_from_slice(c);
        }
        let mut pt = ct;
        aes.decrypt_blocks(&mut pt[..n]);
        for (i, out) in g.chunks_exact_mut(16).enumerate() {
            let chain: &[u8] = if i == 0 { &prev } else { &ct[i - 1] };
            for ((o, p), c) in out.iter_mut().zip(pt[i].iter()).zip(chain.iter()) {
                *o = *p ^ *c;
            }
        }
        prev.copy_from_slice(&ct[n - 1]);
        for b in pt.iter_mut() {
            b.zeroize();
        }
    }
}
