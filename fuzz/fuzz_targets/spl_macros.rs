//! A macros.conf text and a search (split at the first NUL) through the macro reader, expander and SPL validator (siemc_fuzz::spl_macros).
//!
//! Run (nightly): `cargo +nightly fuzz run spl_macros fuzz/corpus/spl_macros` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| siemc_fuzz::spl_macros(data));
