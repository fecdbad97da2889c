//! Policy and SA add/remove through the IOCTL decoder and dispatcher (filled in below).
use criterion::{criterion_group, criterion_main, Criterion};

fn nothing_yet(_c: &mut Criterion) {}

criterion_group!(benches, nothing_yet);
criterion_main!(benches);
