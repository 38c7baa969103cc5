#!/usr/bin/env python3
"""Benchmark: `siemc lsp` over a real workspace, driven as an editor drives it.

    python3 benches/lsp_recheck.py [SIEMC] [WORKSPACE]

SIEMC defaults to target/release/siemc (build it with `cargo build --release`), WORKSPACE to
../shared/corpus/sigma/rules (SigmaHQ's 3,141 rules). Prints: the time to index the workspace
(the server's own log line), open → first diagnostics of the middle rule file, change → its
diagnostics (`--debounce 0`, 20 changes, median and max: one document re-checked among all the
others' ids and names) and the server's peak memory. Only the loopback pipe to the child is used.
"""

import json
import os
import queue
import subprocess
import sys
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
siemc = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "target", "release", "siemc")
root = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "..", "shared", "corpus", "sigma", "rules"))

server = subprocess.Popen([siemc, "lsp", "--debounce", "0"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
incoming = queue.Queue()


def send(message):
    body = json.dumps(message).encode()
    server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    server.stdin.flush()


def read():
    while True:
        line = server.stdout.readline()
        if not line:
            return
        length = int(line.split(b":")[1])
        server.stdout.readline()
        incoming.put(json.loads(server.stdout.read(length)))


def wait(wanted):
    while True:
        message = incoming.get(timeout=120)
        if wanted(message):
            return message


threading.Thread(target=read, daemon=True).start()
started = time.time()
send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": "file://" + root}})
wait(lambda m: m.get("id") == 1)
log = wait(lambda m: m.get("method") == "window/logMessage" and "indexed" in m["params"]["message"])
print(f"initialize and index: {time.time() - started:.3f} s ({log['params']['message']})")

files = sorted(
    os.path.join(directory, name)
    for directory, _, names in os.walk(root)
    for name in names
    if name.endswith((".yml", ".yaml"))
)
path = files[len(files) // 2]
text = open(path, encoding="utf-8").read()
uri = "file://" + path
started = time.time()
send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
      "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["version"] == 1)
print(f"open -> diagnostics: {(time.time() - started) * 1000:.1f} ms ({os.path.relpath(path, root)})")

times = []
for version in range(2, 22):
    started = time.time()
    send({"jsonrpc": "2.0", "method": "textDocument/didChange",
          "params": {"textDocument": {"uri": uri, "version": version},
                     "contentChanges": [{"text": text + f"\n# edit {version}\n"}]}})
    wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["version"] == version)
    times.append((time.time() - started) * 1000)
times.sort()
print(f"change -> diagnostics: median {times[len(times) // 2]:.1f} ms, max {times[-1]:.1f} ms ({len(files)} files in the workspace)")

send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
wait(lambda m: m.get("id") == 2)
with open(f"/proc/{server.pid}/status") as status:
    peak = next((line.split()[1] for line in status if line.startswith("VmHWM")), "?")
print(f"peak memory: {int(peak) // 1024} MiB" if peak != "?" else "peak memory: unknown")
send({"jsonrpc": "2.0", "method": "exit"})
sys.exit(server.wait())
