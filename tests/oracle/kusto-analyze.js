// Semantic oracle: Microsoft's Kusto.Language ParseAndAnalyze against table schemas.
// Usage: node kusto-analyze.js SCHEMA.json [MORE.json ...] < queries.jsonl
// Schemas are {"Table": [{"name", "type"}]}; later files add tables and columns. A file of the
// form {"functions": [{"name", "parameters", "columns"}]} (asim-parsers.json) declares tabular
// functions (parameters optional, defaulting to null) returning those columns.
// Input lines {"id", "query"}; output lines {"id", "ok", "diagnostics": [{"message", "code", "start", "length"}]}
// where ok is false iff the analyzer reported an error (syntax or semantic).
'use strict';
const path = require('path');
const fs = require('fs');
const readline = require('readline');
const pkg = path.join(__dirname, 'node_modules', '@kusto', 'language-service-next');
require(path.join(pkg, 'bridge.js'));
require(path.join(pkg, 'Kusto.Language.Bridge.js'));

const Symbols = Kusto.Language.Symbols;
const typeNames = { string: 'string', int: 'int', long: 'long', real: 'real', double: 'real', bool: 'bool',
  boolean: 'bool', datetime: 'datetime', timespan: 'timespan', dynamic: 'dynamic', guid: 'guid', decimal: 'decimal' };

const tables = new Map();
const functions = [];
for (const file of process.argv.slice(2)) {
  const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (Array.isArray(schema.functions)) {
    functions.push(...schema.functions);
    continue;
  }
  for (const [rawName, columns] of Object.entries(schema)) {
    const name = rawName.trim();
    const known = tables.get(name) || new Map();
    for (const column of columns) {
      if (!known.has(column.name)) known.set(column.name, typeNames[String(column.type).toLowerCase()] || 'string');
    }
    tables.set(name, known);
  }
}
const symbols = new (System.Collections.Generic.List$1(Symbols.Symbol))();
for (const [name, columns] of tables) {
  const parts = [];
  for (const [column, type] of columns) {
    const quoted = /^[A-Za-z_][A-Za-z0-9_]*$/.test(column) ? column : "['" + column.replace(/'/g, "\\'") + "']";
    parts.push(quoted + ':' + type);
  }
  try {
    symbols.add(Symbols.TableSymbol.From('(' + parts.join(', ') + ')').WithName(name));
  } catch (error) {
    process.stderr.write('skipping table ' + name + ': ' + error.message + '\n');
  }
}
const quote = (name) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : "['" + name.replace(/'/g, "\\'") + "']";
const nullOf = { string: '""' };
for (const fn of functions) {
  const type = (t) => typeNames[String(t).toLowerCase()] || 'string';
  const parameters = '(' + (fn.parameters || []).map((p) => quote(p.name) + ':' + type(p.type) + '=' +
    (nullOf[type(p.type)] || type(p.type) + '(null)')).join(', ') + ')';
  const body = '{ datatable(' + fn.columns.map((c) => quote(c.name) + ':' + type(c.type)).join(', ') + ')[] }';
  try {
    symbols.add(new Symbols.FunctionSymbol.$ctor16(fn.name, parameters, body, ''));
  } catch (error) {
    process.stderr.write('skipping function ' + fn.name + ': ' + error.message + '\n');
  }
}
const globals = Kusto.Language.GlobalState.Default.WithDatabase(new Symbols.DatabaseSymbol.$ctor1('db', symbols));

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  if (!line.trim()) return;
  const input = JSON.parse(line);
  let diagnostics;
  try {
    const code = Kusto.Language.KustoCode.ParseAndAnalyze(input.query, globals);
    diagnostics = Bridge.toArray(code.GetDiagnostics())
      .filter((d) => d.Severity === 'Error')
      .map((d) => ({ message: d.Message, code: d.Code, start: d.Start, length: d.Length }));
  } catch (error) {
    diagnostics = [{ message: 'Kusto.Language threw: ' + error, code: 'ORACLE', start: 0, length: 0 }];
  }
  process.stdout.write(JSON.stringify({ id: input.id, ok: diagnostics.length === 0, diagnostics }) + '\n');
});
