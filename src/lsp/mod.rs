//! `siemc lsp`: the checker, the compiler and the rule format's knowledge inside the editor,
//! over the Language Server Protocol (stdio).
//!
//! Takes: JSON-RPC messages from an editor (documents opened and changed, requests about a
//! position). Gives: for each document, every `siemc check` diagnostic (same linter, same
//! `siemc.toml`, exact UTF-16 ranges, code, help and fixes), hover (modifier meanings, a field's
//! column per target, tag meanings), completion (keys, modifiers, log source values, field
//! names, tags, rule references), quick fixes, "show compiled KQL / SPL" (the
//! `siemc.showQuery` command) and go to definition of correlation references.
//!
//! | module | does |
//! |---|---|
//! | [`transport`] | framing with limits and recovery (stdin/stdout threads) |
//! | [`server`] | the message loop, debounced checks, publishing |
//! | [`workspace`] | open documents (incremental edits) and the workspace's rule ids and names |
//! | [`analysis`] | one document through the linter, diagnostics to LSP |
//! | [`position`] | byte offsets ↔ LSP positions (UTF-16) |
//! | [`syntax`] | the node or line slot under the cursor |
//! | [`features`] | hover, completion, definition, code actions, the show-query command |
//! | [`knowledge`] | key and tag documentation, field and log source placement per target |

pub mod analysis;
pub mod features;
pub mod knowledge;
pub mod position;
pub mod server;
pub mod syntax;
pub mod transport;
pub mod workspace;

pub use server::{Ending, Settings};

use crate::diagnostic::Diagnostic;

/// Serves LSP on stdin/stdout until the client says `exit` (or closes the connection).
pub fn run_stdio(settings: Settings) -> Result<Ending, Vec<Diagnostic>> {
    let (connection, waker, writer) = transport::stdio();
    let ending = server::serve(&connection, settings, Some(waker));
    // Dropping the connection ends the writer once it has sent everything queued.
    drop(connection);
    let _ = writer.join();
    ending
}
