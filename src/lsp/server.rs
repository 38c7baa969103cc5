//! The server loop: one thread, messages in arrival order, checks debounced.
//!
//! A change marks its document dirty; the check runs once the document has been quiet for
//! [`Settings::debounce`] (or [`MAX_DELAY`] after the first unchecked change, so diagnostics
//! still follow steady typing). Only the changed document is checked, against the identities
//! the other documents and the workspace files already have; documents holding correlations
//! are checked again when an id or name they may refer to changes.

use super::analysis;
use super::features::{self, Context, SHOW_QUERY};
use super::position::LineIndex;
use super::transport::{TRANSPORT_PROBLEM, Waker};
use super::workspace::{Document, Workspace, path_to_uri, uri_to_path};
use crate::compile::Compiler;
use crate::diagnostic::Diagnostic;
use crate::lint::{Identity, LintOptions, Linter};
use crate::mapping::{Mapping, Target};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    CodeActionParams, CodeActionProviderCapability, CompletionOptions, CompletionParams,
    CompletionResponse, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, ExecuteCommandOptions,
    ExecuteCommandParams, GotoDefinitionParams, GotoDefinitionResponse, HoverParams,
    HoverProviderCapability, InitializeParams, LogMessageParams, MessageType, OneOf,
    PositionEncodingKind, PublishDiagnosticsParams, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, Uri,
};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest a dirty document waits for its check while changes keep coming.
pub const MAX_DELAY: Duration = Duration::from_millis(500);

/// What the server checks and compiles for: the options of `siemc check`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub targets: Vec<Target>,
    /// The profile of each target (the command line's `--profile` or `siemc.toml`'s).
    pub profiles: Vec<&'static crate::mapping::Profile>,
    pub mapping_files: Vec<PathBuf>,
    /// Quiet time after a change before the document is checked.
    pub debounce: Duration,
}

/// How the session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `exit` after `shutdown`.
    Clean,
    /// `exit` without `shutdown`, or the client closed the connection.
    Abrupt,
}

struct Server<'a> {
    connection: &'a Connection,
    linter: Linter,
    compilers: Vec<Compiler>,
    documents: HashMap<Uri, Document>,
    workspace: Workspace,
    settings: Settings,
    /// When the dirty documents are due for their check.
    due: Option<Instant>,
    first_dirty: Option<Instant>,
    /// `siemc.toml` files whose problems were published, with what was published.
    config_published: HashMap<Uri, Vec<lsp_types::Diagnostic>>,
    shutdown: bool,
    /// Wakes the loop when the workspace index built in the background is ready.
    waker: Option<Waker>,
    /// The index being built, and when it was started.
    indexing: Option<(Arc<Mutex<Option<Workspace>>>, Instant)>,
    /// The client can watch files for us (asked for once `initialized` arrives).
    watch_files: bool,
}

/// The notification the background indexer wakes the loop with.
const WORKSPACE_INDEXED: &str = "$/siemc/workspaceIndexed";

/// Loads the targets' mappings (a usage error when a mapping file is bad), then serves the
/// connection until `exit`. With a `waker` the workspace folder is indexed in the background
/// (documents are checked meanwhile and again once it is ready); without, before the first
/// message after `initialize`.
pub fn serve(
    connection: &Connection,
    settings: Settings,
    waker: Option<Waker>,
) -> Result<Ending, Vec<Diagnostic>> {
    let linter = Linter::new(&LintOptions {
        targets: settings.targets.clone(),
        mapping_files: settings.mapping_files.clone(),
        ignore: Vec::new(),
        profiles: settings.profiles.clone(),
        allow_unmapped: false,
        command_checks: false,
    })?;
    let compilers = target_compilers(&settings)?;
    let mut server = Server {
        connection,
        linter,
        compilers,
        documents: HashMap::new(),
        workspace: Workspace::default(),
        settings,
        due: None,
        first_dirty: None,
        config_published: HashMap::new(),
        shutdown: false,
        waker,
        indexing: None,
        watch_files: false,
    };
    Ok(server.run())
}

/// The compiler of each target, for hover, completion and "show compiled query". Their
/// mappings are built as the linter's are (built-in mapping, then `--mapping` files): the one
/// place a named profile's mapping files would be layered in, for both.
fn target_compilers(settings: &Settings) -> Result<Vec<Compiler>, Vec<Diagnostic>> {
    settings
        .targets
        .iter()
        .map(|target| {
            let profile = settings
                .profiles
                .iter()
                .copied()
                .find(|p| p.target == *target)
                .unwrap_or_else(|| crate::mapping::Profile::default_for(*target));
            let mapping = Mapping::with_profile_files(profile, &settings.mapping_files)?;
            Ok(Compiler::new(
                *target,
                mapping,
                crate::backend::Templates::embedded(),
            ))
        })
        .collect()
}

impl Server<'_> {
    fn send(&self, message: impl Into<Message>) {
        // A closed channel means the client is gone; the loop ends on its next receive.
        let _ = self.connection.sender.send(message.into());
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_string(), params));
    }

    fn log(&self, kind: MessageType, message: String) {
        self.notify::<lsp_types::notification::LogMessage>(LogMessageParams { typ: kind, message });
    }

    fn run(&mut self) -> Ending {
        let connection = self.connection;
        if !self.handshake() {
            return Ending::Abrupt;
        }
        loop {
            let message = match self.due {
                Some(due) => {
                    let wait = due.saturating_duration_since(Instant::now());
                    match connection.receiver.recv_timeout(wait) {
                        Ok(message) => Some(message),
                        Err(error) if error.is_timeout() => None,
                        Err(_) => return Ending::Abrupt,
                    }
                }
                None => match connection.receiver.recv() {
                    Ok(message) => Some(message),
                    Err(_) => return Ending::Abrupt,
                },
            };
            if let Some(message) = message
                && let Some(ending) = self.dispatch(message)
            {
                return ending;
            }
            if self.due.is_some_and(|due| Instant::now() >= due) {
                self.check_dirty();
            }
        }
    }

    /// Waits for `initialize`, answers it and reads the workspace folders. Requests before it
    /// are refused as the protocol says; `false` when the client left first.
    fn handshake(&mut self) -> bool {
        for message in &self.connection.receiver {
            match message {
                Message::Request(request) if request.method == "initialize" => {
                    let params: InitializeParams =
                        serde_json::from_value(request.params).unwrap_or_default();
                    self.send(Response::new_ok(request.id, initialize_result()));
                    self.watch_files = params
                        .capabilities
                        .workspace
                        .as_ref()
                        .and_then(|w| w.did_change_watched_files.as_ref())
                        .and_then(|w| w.dynamic_registration)
                        .unwrap_or(false);
                    self.scan_workspace(&params);
                    return true;
                }
                Message::Request(request) => self.send(Response::new_err(
                    request.id,
                    ErrorCode::ServerNotInitialized as i32,
                    "the server is not initialized yet".into(),
                )),
                Message::Notification(n) if n.method == "exit" => return false,
                Message::Notification(n) if n.method == TRANSPORT_PROBLEM => {
                    self.transport_problem(&n)
                }
                _ => {}
            }
        }
        false
    }

    fn scan_workspace(&mut self, params: &InitializeParams) {
        // Taken first: the waker must not outlive the indexing (see `Waker`).
        let waker = self.waker.take();
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .map(|folder| uri_to_path(&folder.uri))
            .collect();
        #[allow(deprecated)]
        if roots.is_empty()
            && let Some(root) = &params.root_uri
        {
            roots.push(uri_to_path(root));
        }
        roots.retain(|root| root.is_dir());
        if roots.is_empty() {
            return;
        }
        let started = Instant::now();
        let Some(waker) = waker else {
            self.workspace = Workspace::scan(roots);
            self.indexed(started);
            return;
        };
        let slot = Arc::new(Mutex::new(None));
        self.indexing = Some((Arc::clone(&slot), started));
        let spawned = std::thread::Builder::new()
            .name("lsp-index".into())
            .spawn(move || {
                let workspace = Workspace::scan(roots);
                if let Ok(mut slot) = slot.lock() {
                    *slot = Some(workspace);
                }
                waker(Message::Notification(Notification::new(
                    WORKSPACE_INDEXED.to_string(),
                    serde_json::Value::Null,
                )));
            });
        if spawned.is_err() {
            self.indexing = None;
        }
    }

    /// Takes the index the background job built; every open document is checked again
    /// (duplicate ids and correlation references depend on it).
    fn take_index(&mut self) {
        let Some((slot, started)) = self.indexing.take() else {
            return;
        };
        let Some(workspace) = slot.lock().ok().and_then(|mut s| s.take()) else {
            return;
        };
        self.workspace = workspace;
        self.indexed(started);
        if !self.documents.is_empty() {
            self.documents.values_mut().for_each(|d| d.dirty = true);
            self.due = Some(Instant::now());
        }
    }

    fn indexed(&self, started: Instant) {
        self.log(
            MessageType::INFO,
            format!(
                "siemc lsp: indexed {} rule files of the workspace in {} ms",
                self.workspace.len(),
                started.elapsed().as_millis()
            ),
        );
    }

    /// Handles one message; `Some` when the session ends.
    fn dispatch(&mut self, message: Message) -> Option<Ending> {
        match message {
            Message::Request(request) => {
                let id = request.id.clone();
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.request(request)
                }));
                let response = outcome.unwrap_or_else(|_| {
                    Response::new_err(
                        id,
                        ErrorCode::InternalError as i32,
                        "siemc lsp failed on this request (a bug: please report it)".into(),
                    )
                });
                self.send(response);
                None
            }
            Message::Notification(notification) => {
                if notification.method == "exit" {
                    return Some(if self.shutdown {
                        Ending::Clean
                    } else {
                        Ending::Abrupt
                    });
                }
                let method = notification.method.clone();
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.notification(notification)
                }));
                if outcome.is_err() {
                    self.log(
                        MessageType::ERROR,
                        format!(
                            "siemc lsp failed on a {method} notification (a bug: please report it)"
                        ),
                    );
                }
                None
            }
            Message::Response(_) => None,
        }
    }

    fn request(&mut self, request: Request) -> Response {
        let Request { id, method, params } = request;
        if self.shutdown {
            return Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".into(),
            );
        }
        macro_rules! parse {
            ($type:ty) => {
                match serde_json::from_value::<$type>(params) {
                    Ok(params) => params,
                    Err(error) => return invalid_params(id, &method, &error),
                }
            };
        }
        match method.as_str() {
            lsp_types::request::Shutdown::METHOD => {
                self.shutdown = true;
                Response::new_ok(id, serde_json::Value::Null)
            }
            lsp_types::request::HoverRequest::METHOD => {
                let params = parse!(HoverParams);
                let position = params.text_document_position_params;
                let result = self
                    .documents
                    .get(&position.text_document.uri)
                    .and_then(|d| features::hover(&self.context(), d, position.position));
                Response::new_ok(id, result)
            }
            lsp_types::request::Completion::METHOD => {
                let params = parse!(CompletionParams);
                let position = params.text_document_position;
                let items = self
                    .documents
                    .get(&position.text_document.uri)
                    .map(|d| features::completion(&self.context(), d, position.position))
                    .unwrap_or_default();
                Response::new_ok(id, CompletionResponse::Array(items))
            }
            lsp_types::request::GotoDefinition::METHOD => {
                let params = parse!(GotoDefinitionParams);
                let position = params.text_document_position_params;
                let locations = self
                    .documents
                    .get(&position.text_document.uri)
                    .map(|d| features::definition(&self.context(), d, position.position))
                    .unwrap_or_default();
                Response::new_ok(id, GotoDefinitionResponse::Array(locations))
            }
            lsp_types::request::CodeActionRequest::METHOD => {
                let params = parse!(CodeActionParams);
                let uri = params.text_document.uri;
                // Fixes must match the text the client sees: check pending changes first.
                if self.documents.get(&uri).is_some_and(|d| d.dirty) {
                    self.check_now(&uri);
                }
                let actions = self.documents.get(&uri).and_then(|document| {
                    let analysis = document.analysis.as_ref()?;
                    Some(features::code_actions(
                        &self.context(),
                        document,
                        analysis,
                        params.range,
                    ))
                });
                Response::new_ok(id, actions.unwrap_or_default())
            }
            lsp_types::request::ExecuteCommand::METHOD => {
                let params = parse!(ExecuteCommandParams);
                if params.command != SHOW_QUERY {
                    return Response::new_err(
                        id,
                        ErrorCode::InvalidParams as i32,
                        format!("unknown command `{}`", params.command),
                    );
                }
                match features::show_query(&self.context(), &params.arguments) {
                    Ok(query) => Response::new_ok(id, query),
                    Err(message) => Response::new_err(id, ErrorCode::RequestFailed as i32, message),
                }
            }
            _ => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("siemc lsp does not handle `{method}`"),
            ),
        }
    }

    fn notification(&mut self, notification: Notification) {
        let Notification { method, params } = notification;
        macro_rules! parse {
            ($type:ty) => {
                match serde_json::from_value::<$type>(params) {
                    Ok(params) => params,
                    Err(error) => {
                        self.log(
                            MessageType::ERROR,
                            format!("siemc lsp: invalid {method} parameters: {error}"),
                        );
                        return;
                    }
                }
            };
        }
        match method.as_str() {
            lsp_types::notification::DidOpenTextDocument::METHOD => {
                let params = parse!(DidOpenTextDocumentParams);
                let document = params.text_document;
                // Files are rules by name, as `siemc check DIR` picks them (`.tests.yml` and
                // other languages are not); unsaved buffers by their language.
                let wanted = if document.uri.as_str().starts_with("file:") {
                    crate::rule::is_rule_file_name(&uri_to_path(&document.uri))
                } else {
                    document.language_id == "yaml"
                };
                if !wanted {
                    return;
                }
                let uri = document.uri.clone();
                self.documents.insert(
                    uri.clone(),
                    Document::new(document.uri, document.version, document.text),
                );
                self.check_now(&uri);
            }
            lsp_types::notification::DidChangeTextDocument::METHOD => {
                let params = parse!(DidChangeTextDocumentParams);
                let Some(document) = self.documents.get_mut(&params.text_document.uri) else {
                    return;
                };
                for change in params.content_changes {
                    match change.range {
                        Some(range) => document.edit(range, &change.text),
                        None => document.set_text(change.text),
                    }
                }
                document.version = params.text_document.version;
                self.schedule();
            }
            lsp_types::notification::DidCloseTextDocument::METHOD => {
                let params = parse!(DidCloseTextDocumentParams);
                let uri = params.text_document.uri;
                if let Some(document) = self.documents.remove(&uri) {
                    self.publish(&uri, None, Vec::new());
                    if self.in_workspace(&document.path) {
                        self.workspace.refresh(&document.path);
                    }
                    self.recheck_correlations();
                }
            }
            lsp_types::notification::DidChangeWatchedFiles::METHOD => {
                let params = parse!(DidChangeWatchedFilesParams);
                let mut config_changed = false;
                for change in params.changes {
                    let path = uri_to_path(&change.uri);
                    if path
                        .file_name()
                        .is_some_and(|n| n == crate::lint::suppress::CONFIG_FILE_NAME)
                    {
                        config_changed = true;
                    } else if self.in_workspace(&path) {
                        self.workspace.refresh(&path);
                    }
                }
                if config_changed {
                    self.documents.values_mut().for_each(|d| d.dirty = true);
                    self.schedule();
                } else {
                    self.recheck_correlations();
                }
            }
            lsp_types::notification::DidSaveTextDocument::METHOD => {
                let params = parse!(lsp_types::DidSaveTextDocumentParams);
                // A saved siemc.toml changes what every document reports.
                let path = uri_to_path(&params.text_document.uri);
                if path
                    .file_name()
                    .is_some_and(|n| n == crate::lint::suppress::CONFIG_FILE_NAME)
                {
                    self.documents.values_mut().for_each(|d| d.dirty = true);
                    self.schedule();
                }
            }
            TRANSPORT_PROBLEM => {
                self.transport_problem(&Notification { method, params });
            }
            WORKSPACE_INDEXED => self.take_index(),
            lsp_types::notification::Initialized::METHOD if self.watch_files => {
                self.register_file_watchers()
            }
            _ => {}
        }
    }

    /// Asks the client to report rule files and `siemc.toml` changed on disk (a checkout, a
    /// generator), so the workspace index and the suppressions stay current.
    fn register_file_watchers(&self) {
        let watchers: Vec<lsp_types::FileSystemWatcher> =
            ["**/*.yml", "**/*.yaml", "**/siemc.toml"]
                .iter()
                .map(|glob| lsp_types::FileSystemWatcher {
                    glob_pattern: lsp_types::GlobPattern::String(glob.to_string()),
                    kind: None,
                })
                .collect();
        let registration = lsp_types::Registration {
            id: "siemc-watch-files".into(),
            method: lsp_types::notification::DidChangeWatchedFiles::METHOD.into(),
            register_options: serde_json::to_value(
                lsp_types::DidChangeWatchedFilesRegistrationOptions { watchers },
            )
            .ok(),
        };
        self.send(Request::new(
            RequestId::from("siemc-watch-files".to_string()),
            lsp_types::request::RegisterCapability::METHOD.into(),
            lsp_types::RegistrationParams {
                registrations: vec![registration],
            },
        ));
    }

    fn transport_problem(&self, notification: &Notification) {
        let text = notification.params["message"].as_str().unwrap_or_default();
        eprintln!("siemc lsp: {text}");
        self.log(MessageType::ERROR, format!("siemc lsp: {text}"));
    }

    fn in_workspace(&self, path: &std::path::Path) -> bool {
        self.workspace
            .roots
            .iter()
            .any(|root| path.starts_with(root))
    }

    fn context(&self) -> Context<'_> {
        Context {
            compilers: &self.compilers,
            documents: &self.documents,
            workspace: &self.workspace,
        }
    }

    /// Sets (or moves) the debounce deadline after a change.
    fn schedule(&mut self) {
        let now = Instant::now();
        let first = *self.first_dirty.get_or_insert(now);
        self.due = Some((now + self.settings.debounce).min(first + MAX_DELAY));
    }

    /// Checks every dirty document, then the correlations that may refer to them.
    fn check_dirty(&mut self) {
        self.due = None;
        self.first_dirty = None;
        for _ in 0..2 {
            let dirty: Vec<Uri> = self
                .documents
                .values()
                .filter(|d| d.dirty)
                .map(|d| d.uri.clone())
                .collect();
            for uri in dirty {
                self.check_now(&uri);
            }
        }
        if self.documents.values().any(|d| d.dirty) {
            self.schedule();
        }
    }

    fn recheck_correlations(&mut self) {
        let mut any = false;
        for document in self.documents.values_mut() {
            if document
                .analysis
                .as_ref()
                .is_some_and(|a| a.has_correlation)
            {
                document.dirty = true;
                any = true;
            }
        }
        if any {
            self.schedule();
        }
    }

    /// Checks one document now and publishes its diagnostics.
    fn check_now(&mut self, uri: &Uri) {
        let Some(document) = self.documents.get(uri) else {
            return;
        };
        let context: Vec<Identity> = {
            let open: Vec<&std::path::Path> =
                self.documents.values().map(|d| d.path.as_path()).collect();
            self.documents
                .values()
                .filter(|d| d.uri != *uri)
                .flat_map(|d| d.identities().iter().cloned())
                .chain(
                    self.workspace
                        .identities(move |path| open.contains(&path))
                        .cloned(),
                )
                .collect()
        };
        let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            analysis::check(&self.linter, document, &context)
        }));
        let analysis = match checked {
            Ok(analysis) => analysis,
            Err(_) => {
                self.log(
                    MessageType::ERROR,
                    format!(
                        "siemc lsp failed checking {} (a bug: please report it with the document)",
                        document.uri.as_str()
                    ),
                );
                analysis::failed(document)
            }
        };
        let names_changed = document.analysis.as_ref().is_none_or(|old| {
            identity_values(&old.identities) != identity_values(&analysis.identities)
        });
        let diagnostics: Vec<lsp_types::Diagnostic> =
            analysis.findings.iter().map(|f| f.lsp.clone()).collect();
        let version = analysis.version;
        let document = self.documents.get_mut(uri).expect("looked up above");
        document.dirty = false;
        document.analysis = Some(analysis);
        self.publish(uri, Some(version), diagnostics);
        self.publish_config_problems();
        if names_changed {
            for other in self.documents.values_mut() {
                if other.uri != *uri && other.analysis.as_ref().is_some_and(|a| a.has_correlation) {
                    other.dirty = true;
                }
            }
            if self.documents.values().any(|d| d.dirty) {
                self.schedule();
                // Correlations follow right away, not after another quiet period.
                self.due = Some(Instant::now());
            }
        }
    }

    fn publish(&self, uri: &Uri, version: Option<i32>, diagnostics: Vec<lsp_types::Diagnostic>) {
        self.notify::<lsp_types::notification::PublishDiagnostics>(PublishDiagnosticsParams {
            uri: uri.clone(),
            diagnostics,
            version,
        });
    }

    /// Publishes the problems of the `siemc.toml` files the open documents use on those files
    /// (and clears the ones fixed since).
    // `Uri` hashes and compares by its text; its interior mutability is a parse cache.
    #[allow(clippy::mutable_key_type)]
    fn publish_config_problems(&mut self) {
        let mut current: HashMap<Uri, Vec<lsp_types::Diagnostic>> = HashMap::new();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        for analysis in self.documents.values().filter_map(|d| d.analysis.as_ref()) {
            for problem in &analysis.config_problems {
                let Some(file) = &problem.file else { continue };
                let Some(uri) = path_to_uri(file.path()) else {
                    continue;
                };
                if !seen.insert((uri.as_str().to_string(), problem.message.clone())) {
                    continue;
                }
                let index = LineIndex::new(&file.text);
                current
                    .entry(uri.clone())
                    .or_default()
                    .push(analysis::to_lsp(problem, &uri, &file.text, &index));
            }
        }
        let stale: Vec<Uri> = self
            .config_published
            .keys()
            .filter(|uri| !current.contains_key(*uri))
            .cloned()
            .collect();
        for uri in stale {
            self.publish(&uri, None, Vec::new());
            self.config_published.remove(&uri);
        }
        for (uri, diagnostics) in current {
            if self.config_published.get(&uri) != Some(&diagnostics) {
                self.publish(&uri, None, diagnostics.clone());
                self.config_published.insert(uri, diagnostics);
            }
        }
    }
}

fn identity_values(identities: &[Identity]) -> Vec<(Option<&str>, Option<&str>)> {
    identities
        .iter()
        .map(|i| {
            (
                i.id.as_ref().map(|s| s.value.as_str()),
                i.name.as_ref().map(|s| s.value.as_str()),
            )
        })
        .collect()
}

fn invalid_params(id: RequestId, method: &str, error: &serde_json::Error) -> Response {
    Response::new_err(
        id,
        ErrorCode::InvalidParams as i32,
        format!("invalid {method} parameters: {error}"),
    )
}

fn initialize_result() -> serde_json::Value {
    let capabilities = ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(lsp_types::TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["|".into(), ".".into()]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![SHOW_QUERY.to_string()],
            ..ExecuteCommandOptions::default()
        }),
        ..ServerCapabilities::default()
    };
    serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": ServerInfo {
            name: "siemc".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        },
    })
}
