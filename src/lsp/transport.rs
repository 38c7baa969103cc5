//! The stdio transport: LSP base-protocol framing (`Content-Length` headers) with limits and
//! recovery.
//!
//! lsp-server's own stdio reader stops at the first malformed message and allocates whatever
//! `Content-Length` says; an editor (or a fuzzer) sending one bad frame would kill the server or
//! exhaust memory. This reader bounds every allocation, skips what it cannot read, resumes at the
//! next header and reports each problem to the server as a [`TRANSPORT_PROBLEM`] notification
//! (which logs it to the client). Invalid UTF-8 in a body and lone UTF-16 surrogate escapes in
//! its JSON strings become U+FFFD, as an editor's own decoder would do, so the document still
//! opens.

use lsp_server::{Connection, Message, Notification};
use std::io::{BufRead, Read, Write};
use std::thread::JoinHandle;

/// The notification the reader sends the server for each frame it could not read.
pub const TRANSPORT_PROBLEM: &str = "$/siemc/transportProblem";

/// Bodies above this size are skipped (a 10 MB document, JSON-escaped, fits comfortably).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;
/// A header line is short; a longer one is garbage.
const MAX_HEADER_LINE: usize = 64 * 1024;

/// Delivers one message to the server loop as if it came from the client (a background job
/// telling it that it is done). Used once, then dropped: a kept clone would keep the loop's
/// input open after the client hangs up.
pub type Waker = Box<dyn FnOnce(Message) + Send>;

/// Starts the reader (stdin → server) and writer (server → stdout) threads; returns the
/// server's end of the connection, a [`Waker`] and the writer thread, to join after the last
/// message.
pub fn stdio() -> (Connection, Waker, JoinHandle<()>) {
    let (server, io) = Connection::memory();
    let to_server = io.sender;
    let wake_sender = to_server.clone();
    let waker: Waker = Box::new(move |message| {
        let _ = wake_sender.send(message);
    });
    std::thread::Builder::new()
        .name("lsp-reader".into())
        .spawn(move || {
            let stdin = std::io::stdin();
            let mut input = stdin.lock();
            read_messages(&mut input, &mut |message| to_server.send(message).is_ok());
        })
        .expect("spawn the LSP reader thread");
    let from_server = io.receiver;
    let writer = std::thread::Builder::new()
        .name("lsp-writer".into())
        .spawn(move || {
            let stdout = std::io::stdout();
            let mut output = stdout.lock();
            for message in from_server {
                if message.write(&mut output).is_err() {
                    break;
                }
            }
            let _ = output.flush();
        })
        .expect("spawn the LSP writer thread");
    (server, waker, writer)
}

/// Reads frames until end of input (or until `deliver` returns false), delivering each
/// message, and a [`TRANSPORT_PROBLEM`] notification for each frame that could not be read.
pub fn read_messages(input: &mut impl BufRead, deliver: &mut impl FnMut(Message) -> bool) {
    let problem = |text: String| {
        Message::Notification(Notification::new(
            TRANSPORT_PROBLEM.to_string(),
            serde_json::json!({ "message": text }),
        ))
    };
    loop {
        let frame = match read_frame(input) {
            Ok(Some(frame)) => frame,
            Ok(None) => return,
            Err(error) => {
                // An I/O error on stdin: the client is gone.
                let _ = deliver(problem(format!("reading stdin failed: {error}")));
                return;
            }
        };
        let mut problems = frame.problems;
        let message = frame
            .body
            .and_then(|body| match decode(body, &mut problems) {
                Ok(message) => Some(message),
                Err(text) => {
                    problems.push(text);
                    None
                }
            });
        if !problems.is_empty() && !deliver(problem(problems.join("; "))) {
            return;
        }
        if let Some(message) = message
            && !deliver(message)
        {
            return;
        }
    }
}

/// One frame: its body (when it could be read) and the problems met on the way.
struct Frame {
    body: Option<Vec<u8>>,
    problems: Vec<String>,
}

fn read_frame(input: &mut impl BufRead) -> std::io::Result<Option<Frame>> {
    let mut length: Option<usize> = None;
    let mut problems: Vec<String> = Vec::new();
    let mut saw_header = false;
    loop {
        let mut line = Vec::new();
        let read = input
            .by_ref()
            .take(MAX_HEADER_LINE as u64)
            .read_until(b'\n', &mut line)?;
        if read == 0 {
            // End of input; a partial frame is dropped (the client closed the pipe).
            return Ok(None);
        }
        if !line.ends_with(b"\n") && line.len() >= MAX_HEADER_LINE {
            problems.push(format!(
                "a header line longer than {MAX_HEADER_LINE} bytes was skipped"
            ));
            continue;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if !saw_header {
                continue;
            }
            break;
        }
        saw_header = true;
        // Resynchronise after a body longer than its Content-Length: the next header may
        // follow other bytes on the same line.
        let header = match find_ignore_case(text, "content-length:") {
            Some(at) if at > 0 => {
                problems.push("bytes before a Content-Length header were skipped".into());
                length = None;
                &text[at..]
            }
            _ => text,
        };
        let Some((name, value)) = header.split_once(':') else {
            problems.push(format!("malformed header line {:?} skipped", clip(header)));
            continue;
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            match value.trim().parse::<usize>() {
                Ok(n) => length = Some(n),
                Err(_) => problems.push(format!("invalid Content-Length {:?}", clip(value.trim()))),
            }
        }
    }
    let Some(length) = length else {
        problems.push("a message without a valid Content-Length was skipped".into());
        return Ok(Some(Frame {
            body: None,
            problems,
        }));
    };
    if length > MAX_MESSAGE_BYTES {
        let skipped = std::io::copy(
            &mut input.by_ref().take(length as u64),
            &mut std::io::sink(),
        )?;
        problems.push(format!(
            "a message of {length} bytes (over the {MAX_MESSAGE_BYTES}-byte limit) was skipped ({skipped} bytes read)"
        ));
        return Ok(Some(Frame {
            body: None,
            problems,
        }));
    }
    let mut body = Vec::with_capacity(length);
    input.by_ref().take(length as u64).read_to_end(&mut body)?;
    if body.len() < length {
        return Ok(None);
    }
    Ok(Some(Frame {
        body: Some(body),
        problems,
    }))
}

/// A body to a message, repairing invalid UTF-8 and lone surrogates (noted in `notes`).
fn decode(body: Vec<u8>, notes: &mut Vec<String>) -> Result<Message, String> {
    let text = match String::from_utf8(body) {
        Ok(text) => text,
        Err(error) => {
            notes.push(format!(
                "invalid UTF-8 at byte {} of a message replaced by U+FFFD",
                error.utf8_error().valid_up_to()
            ));
            String::from_utf8_lossy(error.as_bytes()).into_owned()
        }
    };
    let error = match serde_json::from_str::<Message>(&text) {
        Ok(message) => return Ok(message),
        Err(error) => error,
    };
    // serde_json rejects lone surrogates (with several messages); JavaScript clients send
    // them for documents holding one.
    let repaired = replace_lone_surrogates(&text);
    if repaired != text
        && let Ok(message) = serde_json::from_str::<Message>(&repaired)
    {
        notes.push("lone UTF-16 surrogate escapes replaced by U+FFFD".into());
        return Ok(message);
    }
    Err(format!("invalid JSON-RPC message: {error}"))
}

/// Rewrites `\uD800`-style escapes that do not form a surrogate pair as `\uFFFD`. Only real
/// escapes count: a backslash preceded by an odd number of backslashes is itself escaped.
fn replace_lone_surrogates(json: &str) -> String {
    let bytes = json.as_bytes();
    let escape_at = |i: usize| -> Option<u16> {
        let hex = json.get(i + 2..i + 6)?;
        (bytes.get(i) == Some(&b'\\') && bytes.get(i + 1) == Some(&b'u'))
            .then(|| u16::from_str_radix(hex, 16).ok())
            .flatten()
    };
    let mut out = String::with_capacity(json.len());
    let mut i = 0;
    let mut last = 0;
    let mut backslashes = 0usize;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && backslashes.is_multiple_of(2)
            && let Some(unit) = escape_at(i)
        {
            let is_high = (0xD800..0xDC00).contains(&unit);
            let is_low = (0xDC00..0xE000).contains(&unit);
            let paired =
                is_high && escape_at(i + 6).is_some_and(|next| (0xDC00..0xE000).contains(&next));
            if paired {
                i += 12;
            } else if is_high || is_low {
                out.push_str(&json[last..i]);
                out.push_str("\\uFFFD");
                i += 6;
                last = i;
            } else {
                i += 6;
            }
            backslashes = 0;
            continue;
        }
        backslashes = if bytes[i] == b'\\' {
            backslashes + 1
        } else {
            0
        };
        i += 1;
    }
    out.push_str(&json[last..]);
    out
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_lowercase()
        .find(needle)
        .filter(|&at| haystack.is_char_boundary(at))
}

fn clip(text: &str) -> String {
    text.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> Vec<Message> {
        let mut messages = Vec::new();
        read_messages(&mut &input[..], &mut |m| {
            messages.push(m);
            true
        });
        messages
    }

    fn frame(body: &str) -> Vec<u8> {
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    fn is_problem(message: &Message) -> bool {
        matches!(message, Message::Notification(n) if n.method == TRANSPORT_PROBLEM)
    }

    #[test]
    fn recovers_after_malformed_frames() {
        let good = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let mut input = Vec::new();
        input.extend(frame("{not json"));
        input.extend(b"Content-Length: abc\r\n\r\n");
        input.extend(b"garbage line\r\n\r\n");
        input.extend(frame(good));
        input.extend(format!("Content-Length: {}\r\n\r\n", MAX_MESSAGE_BYTES + 1).as_bytes());
        let messages = read_all(&input);
        assert!(messages.iter().take(3).all(is_problem), "{messages:?}");
        assert!(matches!(&messages[3], Message::Request(r) if r.method == "shutdown"));
        // The oversized frame is skipped without allocating it (the input ends early).
        assert_eq!(messages.len(), 5);
        assert!(is_problem(&messages[4]));
    }

    #[test]
    fn resynchronises_on_a_header_glued_to_garbage() {
        let good = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let mut input = b"Content-Length: 5\r\n\r\n{\"a\":1}trailing".to_vec();
        input.extend(format!("Content-Length: {}\r\n\r\n{good}", good.len()).as_bytes());
        let messages = read_all(&input);
        assert!(
            messages
                .iter()
                .any(|m| matches!(m, Message::Notification(n) if n.method == "exit")),
            "{messages:?}"
        );
    }

    #[test]
    fn lone_surrogates_and_invalid_utf8_become_replacement_characters() {
        let body =
            r#"{"jsonrpc":"2.0","method":"x","params":{"t":"a\ud800b\\ud800\udc00\ud83d\ude00"}}"#;
        let messages = read_all(&frame(body));
        assert!(is_problem(&messages[0]));
        let Message::Notification(n) = &messages[1] else {
            panic!("{messages:?}")
        };
        assert_eq!(n.params["t"], "a\u{FFFD}b\\ud800\u{FFFD}\u{1F600}");
        let mut raw = br#"{"jsonrpc":"2.0","method":"x","params":{"t":"caf"#.to_vec();
        raw.extend([0xE9, b'"', b'}', b'}']);
        let mut input = format!("Content-Length: {}\r\n\r\n", raw.len()).into_bytes();
        input.extend(raw);
        let messages = read_all(&input);
        let Message::Notification(n) = &messages[1] else {
            panic!("{messages:?}")
        };
        assert_eq!(n.params["t"], "caf\u{FFFD}");
    }
}
