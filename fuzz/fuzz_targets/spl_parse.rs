//! Bytes as an SPL search through the SPL validator, half with macros (siemc_fuzz::spl_query).
//!
//! Run (nightly): `cargo +nightly fuzz run spl_parse fuzz/corpus/spl_parse` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| siemc_fuzz::spl_query(data));
