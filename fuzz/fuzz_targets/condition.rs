//! Bytes as a Sigma condition through the condition parser (siemc_fuzz::condition).
//!
//! Run (nightly): `cargo +nightly fuzz run condition fuzz/corpus/condition` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| siemc_fuzz::condition(data));
