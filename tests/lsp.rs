//! `siemc lsp` driven as an editor drives it: the built binary as a child process, real
//! JSON-RPC frames on its stdin, replies read from its stdout.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(20);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Messages received but not yet asked for.
    backlog: Vec<Value>,
    next_id: i64,
}

impl Client {
    /// Starts `siemc lsp ARGS` and completes the handshake with `root` as workspace folder.
    fn start(args: &[&str], root: Option<&Path>) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_siemc"))
            .arg("lsp")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start siemc lsp");
        let stdout = child.stdout.take().unwrap();
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("Content-Length: ") {
                        length = value.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("the server frames with Content-Length")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let message: Value = serde_json::from_slice(&body).expect("the server sends JSON");
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            stdin: child.stdin.take(),
            child,
            incoming,
            backlog: Vec::new(),
            next_id: 0,
        };
        let root_uri = root.map(uri);
        let reply = client.request(
            "initialize",
            json!({"processId": null, "rootUri": root_uri,
                   "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}},
                   "workspaceFolders": root_uri.as_ref().map(|u| json!([{"uri": u, "name": "rules"}]))}),
        );
        assert_eq!(reply["result"]["serverInfo"]["name"], "siemc", "{reply}");
        client.notify("initialized", json!({}));
        if root.is_some() {
            // The workspace is indexed in the background; tests start from a known state.
            client.wait_for(|m| {
                m["method"] == "window/logMessage"
                    && m["params"]["message"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("indexed")
            });
        }
        client
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    fn send(&mut self, message: Value) {
        let body = serde_json::to_vec(&message).unwrap();
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend(body);
        self.send_raw(&frame);
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn send_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Sends a request and returns its response (`result` or `error`).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.wait_for(|m| m["id"] == id && m.get("method").is_none())
    }

    /// The first message (received or still to come) that `wanted` accepts.
    fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(index) = self.backlog.iter().position(&wanted) {
            return self.backlog.remove(index);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) if wanted(&message) => return message,
                Ok(message) => self.backlog.push(message),
                Err(RecvTimeoutError::Timeout) => panic!(
                    "no awaited message within {TIMEOUT:?}; received: {:#?}",
                    self.backlog
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server closed stdout; received: {:#?}", self.backlog)
                }
            }
        }
    }

    /// The diagnostics published for `uri` at `version` (the last such message).
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let message = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }

    /// Drops every message received so far (they are not wanted any more).
    fn drain(&mut self) {
        self.backlog.clear();
        while self.incoming.try_recv().is_ok() {}
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    /// The peak resident memory of the server (Linux), in MiB.
    fn peak_memory_mib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024)
    }

    /// `shutdown`, `exit`, and the process's exit status.
    fn finish(mut self) -> ExitStatus {
        let reply = self.request("shutdown", Value::Null);
        assert_eq!(reply["result"], Value::Null, "{reply}");
        self.notify("exit", Value::Null);
        self.stdin = None;
        wait(&mut self.child)
    }
}

fn wait(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("siemc lsp did not exit");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn uri(path: &Path) -> String {
    let mut text = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            text.push(byte as char);
        } else {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    text
}

/// A fresh directory for one test.
fn workspace(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("lsp")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // A `.git` marks the repository root: siemc.toml is not searched above it.
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    dir
}

/// The LSP position (UTF-16 column) of the first `needle` on the line holding `anchor`.
fn position_of(text: &str, anchor: &str, needle: &str) -> Value {
    let line_start = text
        .find(anchor)
        .map(|i| text[..i].rfind('\n').map_or(0, |n| n + 1))
        .unwrap();
    let line_number = text[..line_start].matches('\n').count();
    let line = &text[line_start..];
    let column = line.find(needle).unwrap();
    json!({"line": line_number, "character": line[..column].encode_utf16().count()})
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

const RULE: &str = "title: Whoami from an unusual parent — ünïcode 😀
id: 0b7ed1a6-3c6c-4b43-9a0e-7d8f2f4c1a55
status: testing
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\\whoami.exe'
        CommandLine|contains: '/all'
    condition: selection
tags: [attack.t1033, 'Ünï😀', attack.privilege-escalaton]
level: high
";

#[test]
fn diagnostics_hover_completion_actions_and_queries() {
    let dir = workspace("features");
    let path = dir.join("whoami.yml");
    std::fs::write(&path, RULE).unwrap();
    let uri = uri(&path);
    let mut client = Client::start(&[], Some(&dir));
    client.open(&uri, RULE);

    // Every `siemc check` finding, with exact UTF-16 ranges, codes and help.
    let diagnostics = client.diagnostics(&uri, 1);
    let found = codes(&diagnostics);
    for code in ["invalid-status", "invalid-tag", "unknown-attack-tactic"] {
        assert!(found.contains(&code), "{code} missing: {diagnostics:#?}");
    }
    let check = Command::new(env!("CARGO_BIN_EXE_siemc"))
        .args(["check", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let cli_codes: Vec<String> = String::from_utf8(check.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["code"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        found, cli_codes,
        "the editor sees what `siemc check` prints"
    );
    let tactic = diagnostics
        .iter()
        .find(|d| d["code"] == "unknown-attack-tactic")
        .unwrap();
    assert_eq!(
        tactic["range"]["start"],
        position_of(RULE, "tags:", "attack.privilege-escalaton")
    );
    assert_eq!(
        tactic["range"]["end"]["character"].as_u64().unwrap()
            - tactic["range"]["start"]["character"].as_u64().unwrap(),
        26
    );
    assert!(
        tactic["message"]
            .as_str()
            .unwrap()
            .contains("help: did you mean `attack.privilege-escalation`?"),
        "{tactic}"
    );
    let tag = diagnostics
        .iter()
        .find(|d| d["code"] == "invalid-tag")
        .unwrap();
    // `'Ünï😀'` with its quotes: 😀 counts two UTF-16 units.
    assert_eq!(tag["range"]["start"], position_of(RULE, "tags:", "'Ünï"));
    assert_eq!(
        tag["range"]["end"]["character"].as_u64().unwrap()
            - tag["range"]["start"]["character"].as_u64().unwrap(),
        7
    );

    // Hover: a modifier, a field's column per target, a tag.
    let hover = |client: &mut Client, anchor: &str, needle: &str| -> String {
        let reply = client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": position_of(RULE, anchor, needle)}),
        );
        reply["result"]["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let modifier = hover(&mut client, "CommandLine|", "contains");
    assert!(modifier.contains("anywhere in the field"), "{modifier}");
    let field = hover(&mut client, "CommandLine|", "CommandLine");
    assert!(
        field.contains("DeviceProcessEvents.ProcessCommandLine") && field.contains("**SPL**"),
        "{field}"
    );
    let technique = hover(&mut client, "tags:", "t1033");
    assert!(
        technique.contains("T1033") && technique.contains("Discovery"),
        "{technique}"
    );
    let logsource = hover(&mut client, "product:", "windows");
    assert!(
        logsource.contains("table `DeviceProcessEvents`"),
        "{logsource}"
    );

    // Completion: modifiers after `|`, keys, log source values, fields of the log source.
    let complete = |client: &mut Client, text: &str, version: i64| -> Vec<String> {
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": text}]}),
        );
        let end = json!({"line": text.matches('\n').count(),
                         "character": text.rsplit('\n').next().unwrap().encode_utf16().count()});
        let reply = client.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": end}),
        );
        reply["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    let modifiers = complete(&mut client, "detection:\n    sel:\n        Image|ends", 2);
    assert!(modifiers.contains(&"endswith".to_string()), "{modifiers:?}");
    let keys = complete(&mut client, "title: x\nfalse", 3);
    assert!(keys.contains(&"falsepositives".to_string()), "{keys:?}");
    let products = complete(&mut client, "logsource:\n    product: ", 4);
    assert!(products.iter().any(|p| p == "windows") && products.iter().any(|p| p == "azure"));
    let fields = complete(
        &mut client,
        "logsource:\n    product: windows\n    category: process_creation\ndetection:\n    sel:\n        Comm",
        5,
    );
    assert!(fields.contains(&"CommandLine".to_string()), "{fields:?}");
    assert!(
        fields.contains(&"ProcessCommandLine".to_string()),
        "schema columns too"
    );
    let tags = complete(&mut client, "tags:\n    - attack.t10", 6);
    assert!(
        tags.contains(&"attack.t1033".to_string())
            && tags.contains(&"attack.execution".to_string())
    );
    let condition = complete(
        &mut client,
        "detection:\n    selection:\n        Image: x\n    filter_admin:\n        User: y\n    condition: selection and not fil",
        6,
    );
    assert!(
        condition.contains(&"filter_admin".to_string()) && condition.contains(&"not".to_string()),
        "{condition:?}"
    );
    let flow = complete(&mut client, "title: x\ntags: [attack.t1033, attack.disc", 6);
    assert!(flow.contains(&"attack.discovery".to_string()), "{flow:?}");

    // Back to the rule; its last check answers the code actions.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 7}, "contentChanges": [{"text": RULE}]}),
    );
    let status = position_of(RULE, "status:", "testing");
    let reply = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": status, "end": status},
               "context": {"diagnostics": []}}),
    );
    let actions = reply["result"].as_array().unwrap();
    let fix = actions
        .iter()
        .find(|a| a["kind"] == "quickfix")
        .unwrap_or_else(|| panic!("no quick fix: {actions:#?}"));
    assert_eq!(fix["title"], "replace `testing` with `test`");
    let edit = &fix["edit"]["changes"][uri.as_str()][0];
    assert_eq!(edit["newText"], "test");
    assert_eq!(edit["range"]["start"], status);
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Show compiled KQL query") && titles.contains(&"Show compiled SPL search")
    );

    // Applying the fix as an incremental change removes the diagnostic.
    client.drain();
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 8},
               "contentChanges": [{"range": edit["range"], "text": "test"}]}),
    );
    let after = client.diagnostics(&uri, 8);
    assert!(!codes(&after).contains(&"invalid-status"), "{after:#?}");
    assert!(codes(&after).contains(&"unknown-attack-tactic"));

    // "Show compiled query" returns what `siemc compile` prints for the same rule.
    for target in ["kql", "spl"] {
        let command = actions
            .iter()
            .find(|a| a["command"]["arguments"][1] == target)
            .unwrap();
        let reply = client.request(
            "workspace/executeCommand",
            json!({"command": command["command"]["command"], "arguments": command["command"]["arguments"]}),
        );
        let query = reply["result"]
            .as_str()
            .unwrap_or_else(|| panic!("{reply}"));
        let fixed = RULE.replace("status: testing", "status: test");
        std::fs::write(&path, &fixed).unwrap();
        let compiled = Command::new(env!("CARGO_BIN_EXE_siemc"))
            .args(["compile", "--target", target])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(
            query.trim(),
            String::from_utf8(compiled.stdout).unwrap().trim()
        );
    }
    assert!(client.finish().success());
}

const BASE: &str = "title: Failed logon
id: 8d4c9f0e-6b1a-4f7e-9a3b-2c1d0e9f8a7b
name: failed_logon
status: test
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4625
    condition: selection
level: low
";

const CORRELATION: &str = "title: Many failed logons
id: 1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b
status: test
correlation:
    type: event_count
    rules:
        - failed_logon
        - locked_out
    group-by:
        - TargetUserName
    timespan: 5m
    condition:
        gte: 10
level: high
";

const LOCKED: &str = "title: Account locked out
id: 2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d
name: locked_out
status: test
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4740
    condition: selection
level: low
";

#[test]
fn correlation_references_follow_the_workspace_and_open_documents() {
    let dir = workspace("correlation");
    std::fs::write(dir.join("failed_logon.yml"), BASE).unwrap();
    let correlation_path = dir.join("many_failed.yml");
    std::fs::write(&correlation_path, CORRELATION).unwrap();
    let correlation = uri(&correlation_path);
    let mut client = Client::start(&["--debounce", "20"], Some(&dir));
    client.open(&correlation, CORRELATION);
    // `failed_logon` is a workspace file; `locked_out` is nowhere yet.
    let diagnostics = client.diagnostics(&correlation, 1);
    let unknown: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| d["code"] == "correlation-unknown-rule")
        .collect();
    assert_eq!(unknown.len(), 1, "{diagnostics:#?}");
    assert_eq!(
        unknown[0]["range"]["start"],
        position_of(CORRELATION, "- locked_out", "locked_out")
    );

    // Go to definition of a reference: the `name:` of the rule in its file.
    let reply = client.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": correlation},
               "position": position_of(CORRELATION, "- failed_logon", "failed_logon")}),
    );
    let locations = reply["result"].as_array().unwrap();
    assert_eq!(locations.len(), 1, "{reply}");
    assert_eq!(locations[0]["uri"], uri(&dir.join("failed_logon.yml")));
    assert_eq!(
        locations[0]["range"]["start"],
        position_of(BASE, "name:", "failed_logon")
    );

    // Opening the rule it lacked re-checks the correlation that references it.
    client.drain();
    let locked = uri(&dir.join("locked_out.yml"));
    client.open(&locked, LOCKED);
    let again = client.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == correlation.as_str()
    });
    assert!(
        !codes(again["params"]["diagnostics"].as_array().unwrap())
            .contains(&"correlation-unknown-rule"),
        "{again}"
    );

    // The correlation compiles with the rules of the workspace and the open documents.
    std::fs::write(dir.join("locked_out.yml"), LOCKED).unwrap();
    let reply = client.request(
        "workspace/executeCommand",
        json!({"command": "siemc.showQuery", "arguments": [correlation, "kql", 0]}),
    );
    let query = reply["result"]
        .as_str()
        .unwrap_or_else(|| panic!("{reply}"));
    let compiled = Command::new(env!("CARGO_BIN_EXE_siemc"))
        .args(["compile", "--target", "kql", "--format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    let expected = String::from_utf8(compiled.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|q| q["title"] == "Many failed logons")
        .unwrap();
    assert_eq!(query, expected["query"]);

    // Ids are unique across the workspace, as `siemc check DIR` sees it: the later path is
    // the duplicate.
    let copy = uri(&dir.join("z_copy.yml"));
    client.open(
        &copy,
        &BASE.replace("name: failed_logon", "name: failed_logon_copy"),
    );
    let diagnostics = client.diagnostics(&copy, 1);
    assert_eq!(codes(&diagnostics), ["duplicate-id"], "{diagnostics:#?}");
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .contains("failed_logon.yml:2:5")
    );
    assert!(client.finish().success());
}

#[test]
fn siemc_toml_applies_as_on_the_command_line() {
    let dir = workspace("config");
    std::fs::write(
        dir.join("siemc.toml"),
        "[check]\nignore = [\"invalid-status\"]\n",
    )
    .unwrap();
    let path = dir.join("rule.yml");
    let rule_uri = uri(&path);
    let mut client = Client::start(&[], Some(&dir));
    // A client that can watch files is asked to report rule files and siemc.toml.
    let registration = client.wait_for(|m| m["method"] == "client/registerCapability");
    let watchers = &registration["params"]["registrations"][0]["registerOptions"]["watchers"];
    assert_eq!(
        watchers[2]["globPattern"], "**/siemc.toml",
        "{registration}"
    );
    client.send(json!({"jsonrpc": "2.0", "id": registration["id"], "result": null}));
    client.open(&rule_uri, RULE);
    let diagnostics = client.diagnostics(&rule_uri, 1);
    assert!(
        !codes(&diagnostics).contains(&"invalid-status"),
        "{diagnostics:#?}"
    );
    assert!(codes(&diagnostics).contains(&"unknown-attack-tactic"));

    // A broken siemc.toml is reported on that file, as `siemc check` reports it.
    std::fs::write(
        dir.join("siemc.toml"),
        "[check]\nignore = [\"invalid-statsu\"]\n",
    )
    .unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&dir.join("siemc.toml")), "type": 2}]}),
    );
    let config = uri(&dir.join("siemc.toml"));
    let published = client.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == config.as_str()
    });
    let problem = &published["params"]["diagnostics"][0];
    assert_eq!(problem["code"], "invalid-config");
    assert_eq!(
        problem["range"]["start"],
        json!({"line": 1, "character": 10})
    );
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `invalid-status`?")
    );
    assert!(client.finish().success());
}

/// A didOpen frame of [`RULE`] whose odd tag is `raw` inserted as is into the JSON text.
fn did_open(uri: &str, raw: &[u8]) -> Vec<u8> {
    let text = RULE.replace("'Ünï😀'", "'PLACEHOLDER'");
    let message = json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}});
    let json = serde_json::to_string(&message).unwrap();
    let (before, after) = json.split_once("PLACEHOLDER").unwrap();
    let mut body = before.as_bytes().to_vec();
    body.extend(raw);
    body.extend(after.as_bytes());
    let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    frame.extend(body);
    frame
}

#[test]
fn malformed_frames_json_and_text_never_stop_the_server() {
    let mut client = Client::start(&["--debounce", "0"], None);
    // Invalid JSON, a non-numeric and an overflowing Content-Length, a header without a colon.
    client.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    client.send_raw(b"Content-Length: abc\r\n\r\n");
    client.send_raw(b"Content-Length: 99999999999999999999999\r\n\r\n");
    client.send_raw(b"what is this\r\n\r\n");
    // Valid JSON that is no JSON-RPC message; a request with parameters of the wrong shape.
    client.send_raw(b"Content-Length: 7\r\n\r\n[1,2,3]");
    let reply = client.request("textDocument/hover", json!({"textDocument": 5}));
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
    let reply = client.request("no/such/method", json!({}));
    assert_eq!(reply["error"]["code"], -32601, "{reply}");
    let problems = client
        .backlog
        .iter()
        .filter(|m| m["method"] == "window/logMessage" && m["params"]["type"] == 1)
        .count();
    assert!(
        problems >= 4,
        "each bad frame is logged: {:#?}",
        client.backlog
    );

    // Lone surrogate escapes in the document text become U+FFFD; positions stay UTF-16.
    let lone = did_open("untitled:lone", b"\\ud800");
    client.send_raw(&lone);
    let diagnostics = client.diagnostics("untitled:lone", 1);
    let tactic = diagnostics
        .iter()
        .find(|d| d["code"] == "unknown-attack-tactic")
        .unwrap();
    // `tags: [attack.t1033, '` is 22 units, U+FFFD one, `', ` three.
    assert_eq!(tactic["range"]["start"]["character"], 26, "{tactic}");

    // Raw invalid UTF-8 bytes inside the JSON string: decoded as U+FFFD, still checked.
    client.send_raw(&did_open("untitled:bytes", &[0xE9, 0xFF]));
    let diagnostics = client.diagnostics("untitled:bytes", 1);
    let tactic = diagnostics
        .iter()
        .find(|d| d["code"] == "unknown-attack-tactic")
        .unwrap();
    // Two bytes, two U+FFFD.
    assert_eq!(tactic["range"]["start"]["character"], 27, "{tactic}");

    // A NUL character in the text: the `binary-file` diagnostic of `siemc check`.
    client.open("untitled:nul", "title: a\u{0}b\n");
    let diagnostics = client.diagnostics("untitled:nul", 1);
    assert_eq!(codes(&diagnostics), ["binary-file"]);
    assert_eq!(
        diagnostics[0]["range"]["start"],
        json!({"line": 0, "character": 8})
    );

    // A frame announcing more than the limit is skipped; the client then hangs up mid-frame:
    // the server ends on its own (exit code 1: no `shutdown`) instead of allocating it.
    client.send_raw(b"Content-Length: 1000000000\r\n\r\n{\"jsonrpc\"");
    client.stdin = None;
    let status = wait(&mut client.child);
    assert_eq!(status.code(), Some(1));
}

#[test]
fn ten_megabyte_document_is_refused_with_a_diagnostic_and_stays_responsive() {
    let mut client = Client::start(&[], None);
    let mut text = String::from(
        "title: big\nlogsource:\n    product: windows\ndetection:\n    sel:\n        CommandLine|contains:\n",
    );
    while text.len() < 10 * 1024 * 1024 {
        text.push_str("            - 'a value that repeats to make the document large ü'\n");
    }
    let started = Instant::now();
    client.open("untitled:big", &text);
    let diagnostics = client.diagnostics("untitled:big", 1);
    assert_eq!(
        codes(&diagnostics),
        ["file-too-large"],
        "as `siemc check` refuses such a file"
    );
    // Hover and completion on it answer (from the line), without checking it.
    let last_line = text.matches('\n').count() - 1;
    let reply = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": "untitled:big"}, "position": {"line": last_line, "character": 12}}),
    );
    assert!(reply["result"].is_array(), "{reply}");
    let reply = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "untitled:big"}, "position": {"line": 5, "character": 10}}),
    );
    assert!(reply["result"].is_null(), "{reply}");
    eprintln!(
        "10 MB document: diagnostics and two replies in {:?}",
        started.elapsed()
    );
    // Shrinking it back to a rule checks it normally.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "untitled:big", "version": 2},
               "contentChanges": [{"text": RULE}]}),
    );
    let diagnostics = client.diagnostics("untitled:big", 2);
    assert!(codes(&diagnostics).contains(&"invalid-status"));
    let peak = client.peak_memory_mib();
    eprintln!("peak memory with a 10 MB document: {peak:?} MiB");
    assert!(peak.is_none_or(|mib| mib < 400), "{peak:?} MiB");
    assert!(client.finish().success());
}

#[test]
fn ten_thousand_rapid_changes_publish_the_last_state() {
    let mut client = Client::start(&[], None);
    let uri = "untitled:rapid";
    client.open(uri, RULE);
    client.diagnostics(uri, 1);
    client.drain();
    let changes = 10_000;
    let started = Instant::now();
    for version in 2..=changes + 1 {
        // Alternate full and incremental changes; each version has its own level value.
        if version % 2 == 0 {
            client.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": version},
                       "contentChanges": [{"text": RULE.replace("level: high", &format!("level: l{version}"))}]}),
            );
        } else {
            let line = RULE.matches('\n').count() - 1;
            client.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": version},
                       "contentChanges": [{"range": {"start": {"line": line, "character": 7},
                                                     "end": {"line": line, "character": 99}},
                                           "text": format!("l{version}")}]}),
            );
        }
    }
    let sent = started.elapsed();
    let last = changes + 1;
    let diagnostics = client.diagnostics(uri, last);
    let total = started.elapsed();
    let level = diagnostics
        .iter()
        .find(|d| d["code"] == "invalid-level")
        .unwrap();
    assert!(
        level["message"]
            .as_str()
            .unwrap()
            .contains(&format!("`l{last}`")),
        "{level}"
    );
    // Debounced: far fewer checks than changes.
    let mut published = 1;
    while let Ok(message) = client.incoming.try_recv() {
        client.backlog.push(message);
    }
    published += client
        .backlog
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .count();
    assert!(published < 100, "{published} checks for {changes} changes");
    let peak = client.peak_memory_mib();
    eprintln!(
        "{changes} changes sent in {sent:?}; last state's diagnostics after {total:?}; {published} checks; peak memory {peak:?} MiB"
    );
    assert!(peak.is_none_or(|mib| mib < 400), "{peak:?} MiB");
    assert!(client.finish().success());
}

#[test]
fn re_checking_one_document_takes_milliseconds() {
    let dir = workspace("timing");
    // A workspace of 300 rules: a change still re-checks only the changed document.
    for i in 0..300 {
        std::fs::write(
            dir.join(format!("rule_{i}.yml")),
            RULE.replace(
                "0b7ed1a6-3c6c-4b43-9a0e-7d8f2f4c1a55",
                &format!("0b7ed1a6-3c6c-4b43-9a0e-{i:012}"),
            ),
        )
        .unwrap();
    }
    let mut client = Client::start(&["--debounce", "0"], Some(&dir));
    let uri = uri(&dir.join("rule_0.yml"));
    client.open(&uri, RULE);
    client.diagnostics(&uri, 1);
    let mut times = Vec::new();
    for version in 2..=21 {
        let text = RULE.replace("level: high", &format!("level: l{version}"));
        let started = Instant::now();
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
        client.diagnostics(&uri, version);
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    eprintln!(
        "re-check of one document in a 300-rule workspace, change to diagnostics: median {median:?}, max {:?}",
        times.last().unwrap()
    );
    assert!(median < Duration::from_secs(1), "{median:?}");
    assert!(client.finish().success());
}

#[test]
fn show_query_compiles_the_document_at_the_line() {
    let second = "title: Broken
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswiht: '\\cmd.exe'
    condition: selection
";
    let text = format!("{RULE}---\n{second}");
    let mut client = Client::start(&[], None);
    client.open("untitled:two", &text);
    client.diagnostics("untitled:two", 1);
    let show = |client: &mut Client, line: usize| {
        client.request(
            "workspace/executeCommand",
            json!({"command": "siemc.showQuery", "arguments": ["untitled:two", "kql", line]}),
        )
    };
    let first = show(&mut client, 3);
    assert!(
        first["result"]
            .as_str()
            .unwrap()
            .contains("DeviceProcessEvents"),
        "{first}"
    );
    let broken_line = text[..text.find("Broken").unwrap()].matches('\n').count();
    let broken = show(&mut client, broken_line + 2);
    assert_eq!(broken["error"]["code"], -32803, "{broken}");
    let message = broken["error"]["message"].as_str().unwrap();
    let modifier_line = text[..text.find("endswiht").unwrap()].matches('\n').count() + 1;
    assert!(
        message.contains("unknown-modifier") && message.starts_with(&format!("{modifier_line}:")),
        "{message}"
    );
    let unknown = client.request(
        "workspace/executeCommand",
        json!({"command": "siemc.showQuery", "arguments": ["untitled:nothing", "kql", 0]}),
    );
    assert!(
        unknown["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not an open document")
    );
    assert!(client.finish().success());
}
