//! siemc: detection rules (Sigma) to Microsoft Sentinel KQL and Splunk SPL.
//!
//! The stages, in data-flow order (see ARCHITECTURE.md):
//! [`rule`] (YAML with spans → typed rules) → [`condition`] (pest grammar → AST) →
//! [`ir`] (one boolean expression over predicates) → [`mapping`] (target tables and field
//! names) → [`backend`] (query text) → [`export`] (deployable Sentinel and Splunk rule files). [`diagnostic`] is the one problem model of every stage;
//! [`compile`] runs the pipeline and [`cli`] is what the binary calls.

// pest is built without `std` (its per-rule native stack probe cost ~15% of compile time,
// and every grammar here has its own nesting limit checked before pest runs); its derived
// parsers then name `alloc`.
extern crate alloc;

pub mod backend;
pub mod cli;
pub mod compile;
pub mod condition;
pub mod correlation;
pub mod coverage;
pub mod diagnostic;
pub mod eval;
pub mod export;
pub mod filter;
pub mod ir;
pub mod lint;
pub mod lsp;
pub mod mapping;
pub mod query;
pub mod rule;
pub mod schema;
pub mod testcases;
pub mod text;
pub mod yaml;
