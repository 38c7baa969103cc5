//! Bytes as a --mapping file, layered over every profile of its target, with probe rules compiled (siemc_fuzz::mapping_file).
//!
//! Run (nightly): `cargo +nightly fuzz run mapping_file fuzz/corpus/mapping_file` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| siemc_fuzz::mapping_file(data));
