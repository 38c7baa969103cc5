//! Bytes as siemc test event JSON through the evaluator, against rules of every matcher family (siemc_fuzz::evaluator).
//!
//! Run (nightly): `cargo +nightly fuzz run evaluator fuzz/corpus/evaluator` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| siemc_fuzz::evaluator(data));
