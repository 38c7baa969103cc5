#!/usr/bin/env node
'use strict';
// KQL syntax oracle for the siemc test suite.
//
// Reads JSON Lines from stdin, one {"id": ..., "query": "..."} per line, and
// writes one JSON line per input line to stdout, in the same order:
//   {"id": ..., "ok": bool, "diagnostics": [{"message", "start", "length",
//    "line", "column", "severity", "code"}]}
// `ok` is false iff Microsoft's Kusto.Language parser (npm package
// @kusto/language-service-next, pinned in package.json) reported any syntax
// diagnostic. `start`/`length` are UTF-16 offsets into `query` (as the parser
// reports them); `line`/`column` are 1-based and derived from `start`.
// Only syntax diagnostics are checked: no schema, so unknown tables, columns
// and functions are not errors.
//
// A line that is not valid JSON, lacks a string `query`, or makes the parser
// throw yields ok:false with one diagnostic explaining why (code "ORACLE");
// the run itself carries on. Blank input lines are skipped.

const path = require('path');
const readline = require('readline');

const PKG = '@kusto/language-service-next';
// bridge.js defines the globals Bridge and System; it must be loaded first.
require(PKG + '/bridge.js');
require(PKG + '/Kusto.Language.Bridge.js');
/* global Bridge, Kusto */
const KustoCode = Kusto.Language.KustoCode;

// 1-based line and column of a UTF-16 offset. \r\n, \n and \r each end a line.
function lineColumn(text, offset) {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */) {
      line++;
      lineStart = i + 1;
    } else if (c === 13 /* \r */) {
      if (i + 1 < text.length && text.charCodeAt(i + 1) === 10) {
        if (i + 1 >= end) break; // offset sits between \r and \n
        i++;
      }
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

function oracleFailure(id, message) {
  return {
    id,
    ok: false,
    diagnostics: [{
      message, start: 0, length: 0, line: 1, column: 1,
      severity: 'Error', code: 'ORACLE',
    }],
  };
}

function check(id, query) {
  let raw;
  try {
    raw = Bridge.toArray(KustoCode.Parse(query).GetSyntaxDiagnostics());
  } catch (e) {
    const what = e && e.message ? e.message : String(e);
    return oracleFailure(id, 'Kusto.Language parser threw: ' + what);
  }
  const diagnostics = raw.map((d) => {
    const start = d.Start | 0;
    const { line, column } = lineColumn(query, start);
    return {
      message: d.Message,
      start,
      length: d.Length | 0,
      line,
      column,
      severity: d.Severity,
      code: d.Code,
    };
  });
  return { id, ok: diagnostics.length === 0, diagnostics };
}

function handleLine(text) {
  let input;
  try {
    input = JSON.parse(text);
  } catch (e) {
    return oracleFailure(null, 'input line is not valid JSON: ' + e.message);
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return oracleFailure(null, 'input line is not a JSON object');
  }
  const id = input.id === undefined ? null : input.id;
  if (typeof input.query !== 'string') {
    return oracleFailure(id, 'input object has no string "query" field');
  }
  return check(id, input.query);
}

async function main() {
  // A consumer that stops reading early is not an error of ours.
  process.stdout.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const text of rl) {
    if (text.trim() === '') continue;
    let result;
    try {
      result = handleLine(text);
    } catch (e) {
      result = oracleFailure(null, 'oracle internal error: ' + (e && e.message ? e.message : String(e)));
    }
    if (!process.stdout.write(JSON.stringify(result) + '\n')) {
      await new Promise((resolve) => process.stdout.once('drain', resolve));
    }
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(path.basename(__filename) + ': ' + (e && e.stack ? e.stack : e) + '\n');
    process.exit(2);
  });
}

module.exports = { check, lineColumn };
