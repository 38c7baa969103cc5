//! Semantic checks of a parsed query: tables, columns, functions, argument counts.
//!
//! Takes: the syntax tree and the table schemas. Gives: warnings for names the workspace may
//! not have (unknown table, column, function: the built-in schema is a 2022 snapshot, so a
//! name missing from it may still exist) and errors for calls no workspace can run (a built-in
//! function with the wrong number of arguments).
//!
//! Columns flow through the query: every operator maps the columns of its input to the
//! columns of its output (`extend` adds, `project` picks, `summarize` replaces, `join` merges,
//! ...). Where the output cannot be known (`evaluate` plugins, `bag_unpack`, an unknown table,
//! an unnamed computed column) the column set is *open* and no column is reported as unknown:
//! the checks say nothing rather than guess.

use super::ast::*;
use super::diagnostics as codes;
use super::functions::{self, FunctionKind};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::mapping::SentinelSchema;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

/// Columns every Log Analytics table has besides the ones its schema lists.
const STANDARD_COLUMNS: &[&str] = &[
    "Type",
    "TenantId",
    "TimeGenerated",
    "_ResourceId",
    "_SubscriptionId",
    "_ItemId",
    "_IsBillable",
    "_BilledSize",
    "SourceSystem",
];

/// The columns of a tabular value. `open`: other columns may exist too. The names are shared
/// (most operators pass their input on unchanged) and copied only when an operator changes them.
#[derive(Debug, Clone, Default)]
struct Columns {
    names: Rc<Vec<String>>,
    open: bool,
}

impl Columns {
    fn unknown() -> Columns {
        Columns {
            names: Rc::default(),
            open: true,
        }
    }

    fn known(names: Vec<String>) -> Columns {
        Columns {
            names: Rc::new(names),
            open: false,
        }
    }

    fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    fn add(&mut self, name: &str) {
        if !self.has(name) {
            Rc::make_mut(&mut self.names).push(name.to_string());
        }
    }

    fn union(&self, other: &Columns) -> Columns {
        let mut result = self.clone();
        for name in other.names.iter() {
            result.add(name);
        }
        result.open |= other.open;
        result
    }
}

/// What a name bound by `let`, a parameter or `as` stands for.
#[derive(Debug, Clone)]
enum Binding {
    Scalar,
    Table(Columns),
    Function { min_args: usize, max_args: usize },
}

/// The context an expression is checked in.
#[derive(Clone, Copy)]
struct Row<'c> {
    /// The columns of the operator's input; `None` outside any row (statement level).
    columns: Option<&'c Columns>,
    /// The two sides of a `join`, for `$left.x` / `$right.x`.
    join: Option<(&'c Columns, &'c Columns)>,
}

impl<'c> Row<'c> {
    fn none() -> Row<'c> {
        Row {
            columns: None,
            join: None,
        }
    }

    fn of(columns: &'c Columns) -> Row<'c> {
        Row {
            columns: Some(columns),
            join: None,
        }
    }
}

/// Runs every check over a parsed query.
pub fn check(file: &Arc<SourceFile>, query: &Query, schema: &SentinelSchema) -> Vec<Diagnostic> {
    let mut checker = Checker {
        file,
        schema,
        scopes: vec![HashMap::new()],
        tables: HashMap::new(),
        diagnostics: Vec::new(),
    };
    checker.statements(&query.statements);
    checker.diagnostics
}

struct Checker<'a> {
    file: &'a Arc<SourceFile>,
    schema: &'a SentinelSchema,
    scopes: Vec<HashMap<String, Binding>>,
    /// Columns of the schema tables the query has named so far.
    tables: HashMap<String, Columns>,
    diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn lookup(&self, name: &str) -> Option<&Binding> {
        self.scopes.iter().rev().find_map(|scope| scope.get(name))
    }

    fn bind(&mut self, name: &str, binding: Binding) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), binding);
        }
    }

    fn table_columns(&mut self, table: &str) -> Option<Columns> {
        if let Some(columns) = self.tables.get(table) {
            return Some(columns.clone());
        }
        let columns = self.schema.columns(table)?;
        let mut result = Columns::known(columns.map(str::to_string).collect());
        for standard in STANDARD_COLUMNS {
            result.add(standard);
        }
        self.tables.insert(table.to_string(), result.clone());
        Some(result)
    }

    fn statements(&mut self, statements: &[Statement]) {
        for statement in statements {
            match statement {
                Statement::Let { name, value } => {
                    let binding = match value {
                        LetValue::Function(def) => {
                            self.function_body(def);
                            let min_args = def
                                .parameters
                                .iter()
                                .filter(|p| p.default.is_none())
                                .count();
                            Binding::Function {
                                min_args,
                                max_args: def.parameters.len(),
                            }
                        }
                        LetValue::Expr(expr) => self.value_of(expr),
                    };
                    self.bind(&name.text, binding);
                }
                Statement::DeclareParameters(parameters) => {
                    for parameter in parameters {
                        let binding = parameter_binding(parameter);
                        self.bind(&parameter.name.text, binding);
                    }
                }
                Statement::Option { .. } => {}
                Statement::Expr(expr) => {
                    self.value_of(expr);
                }
            }
        }
    }

    fn function_body(&mut self, def: &FunctionDef) {
        self.scopes.push(HashMap::new());
        for parameter in &def.parameters {
            if let Some(default) = &parameter.default {
                self.expr(default, Row::none());
            }
            let binding = parameter_binding(parameter);
            self.bind(&parameter.name.text, binding);
        }
        self.statements(&def.body);
        self.scopes.pop();
    }

    /// What an expression at statement level (a `let` value, a query) stands for.
    fn value_of(&mut self, expr: &Expr) -> Binding {
        match &expr.kind {
            ExprKind::Pipeline(pipeline) => Binding::Table(self.pipeline(pipeline, None)),
            ExprKind::Name(_) | ExprKind::Call(_) | ExprKind::Path { .. } => {
                match self.tabular_source(expr) {
                    Some(columns) => Binding::Table(columns),
                    None => Binding::Scalar,
                }
            }
            _ => {
                self.expr(expr, Row::none());
                Binding::Scalar
            }
        }
    }

    /// The columns of an expression used where a table is expected (a pipeline's source, a
    /// `join`'s right side, a `union` item); `None` when it is a scalar.
    fn tabular_source(&mut self, expr: &Expr) -> Option<Columns> {
        match &expr.kind {
            ExprKind::Pipeline(pipeline) => Some(self.pipeline(pipeline, None)),
            ExprKind::Name(name) => match self.lookup(&name.text) {
                Some(Binding::Table(columns)) => Some(columns.clone()),
                Some(Binding::Scalar) => None,
                Some(Binding::Function { .. }) => Some(Columns::unknown()),
                None => match self.table_columns(&name.text) {
                    Some(columns) => Some(columns),
                    None => {
                        self.unknown_table(name);
                        Some(Columns::unknown())
                    }
                },
            },
            ExprKind::Call(call) => {
                self.call(call, Row::none());
                match call.name.text.as_str() {
                    "materialize" | "totable" => call
                        .arguments
                        .first()
                        .and_then(|argument| self.tabular_source_quiet(&argument.value))
                        .or(Some(Columns::unknown())),
                    name => match functions::lookup(name) {
                        Some(function) if function.kind != FunctionKind::Tabular => None,
                        _ => Some(Columns::unknown()),
                    },
                }
            }
            ExprKind::Path { target, steps } => {
                self.expr(target, Row::none());
                for step in steps {
                    self.accessor(step, Row::none());
                }
                Some(Columns::unknown())
            }
            _ => {
                self.expr(expr, Row::none());
                None
            }
        }
    }

    /// Like [`Self::tabular_source`] for an argument already checked by the call.
    fn tabular_source_quiet(&mut self, expr: &Expr) -> Option<Columns> {
        match &expr.kind {
            ExprKind::Name(name) => match self.lookup(&name.text) {
                Some(Binding::Table(columns)) => Some(columns.clone()),
                _ => self.table_columns(&name.text),
            },
            ExprKind::Pipeline(_) => None,
            _ => None,
        }
    }

    fn unknown_table(&mut self, name: &Name) {
        let lets: Vec<String> = self
            .scopes
            .iter()
            .flat_map(|scope| scope.keys().cloned())
            .collect();
        let candidates = self
            .schema
            .table_names()
            .chain(lets.iter().map(String::as_str));
        let mut diagnostic = Diagnostic::warning(
            codes::UNKNOWN_TABLE,
            format!("unknown table `{}`", name.text),
        )
        .in_file(self.file)
        .at(name.span, "not in the schema, nor defined by the query");
        diagnostic = match crate::text::closest(&name.text, candidates) {
            Some(nearest) => diagnostic.with_help(format!("did you mean `{nearest}`?")),
            None => diagnostic.with_help(
                "if the workspace has this table or function, add it with --schema FILE",
            ),
        };
        self.diagnostics.push(diagnostic);
    }

    fn pipeline(&mut self, pipeline: &Pipeline, input: Option<&Columns>) -> Columns {
        let mut columns = match &pipeline.source {
            Source::Expr(expr) => self.tabular_source(expr).unwrap_or_else(Columns::unknown),
            Source::Operator(operator) => self.operator(operator, &Columns::unknown(), true),
        };
        if let Some(input) = input {
            columns = input.union(&columns);
        }
        self.operators(&pipeline.operators, columns)
    }

    fn operators(&mut self, operators: &[Operator], mut columns: Columns) -> Columns {
        for operator in operators {
            columns = self.operator(operator, &columns, false);
        }
        columns
    }

    /// Checks one operator against its input columns and gives its output columns.
    fn operator(&mut self, operator: &Operator, input: &Columns, is_source: bool) -> Columns {
        let row = Row::of(input);
        match &operator.kind {
            OperatorKind::Where(predicate) => {
                self.expr(predicate, row);
                input.clone()
            }
            OperatorKind::Project(assignments) => {
                let mut output = Columns::known(Vec::new());
                for assignment in assignments {
                    self.expr(&assignment.value, row);
                    self.name_assignment(assignment, &mut output);
                }
                output
            }
            OperatorKind::Extend(assignments) | OperatorKind::Serialize(assignments) => {
                let mut output = input.clone();
                for assignment in assignments {
                    self.expr(&assignment.value, Row::of(&output));
                    let mut added = output.clone();
                    self.name_assignment(assignment, &mut added);
                    output = added;
                }
                output
            }
            OperatorKind::Print(assignments) => {
                let mut output = Columns::known(Vec::new());
                for assignment in assignments {
                    self.expr(&assignment.value, Row::none());
                    self.name_assignment(assignment, &mut output);
                }
                output
            }
            OperatorKind::ProjectAway(patterns) => {
                self.column_patterns(patterns, input);
                let mut output = input.clone();
                Rc::make_mut(&mut output.names)
                    .retain(|name| !patterns.iter().any(|p| pattern_matches(p, name)));
                output
            }
            OperatorKind::ProjectKeep(patterns) => {
                self.column_patterns(patterns, input);
                let mut output = input.clone();
                Rc::make_mut(&mut output.names)
                    .retain(|name| patterns.iter().any(|p| pattern_matches(p, name)));
                output
            }
            OperatorKind::ProjectReorder(patterns) => {
                self.column_patterns(patterns, input);
                input.clone()
            }
            OperatorKind::ProjectRename(renames) => {
                let mut output = input.clone();
                for (new, old) in renames {
                    self.column_reference(old, row);
                    Rc::make_mut(&mut output.names).retain(|name| name != &old.text);
                    output.add(&new.text);
                }
                output
            }
            OperatorKind::Summarize { aggregates, by } => {
                let mut output = Columns::known(Vec::new());
                for assignment in by {
                    self.expr(&assignment.value, row);
                    self.name_assignment(assignment, &mut output);
                }
                for assignment in aggregates {
                    self.expr(&assignment.value, row);
                    self.name_aggregate(assignment, input, &mut output);
                }
                output
            }
            OperatorKind::Join {
                params,
                right,
                on,
                lookup,
            } => {
                let right_columns = self.tabular_source(right).unwrap_or_else(Columns::unknown);
                let join_row = Row {
                    columns: None,
                    join: Some((input, &right_columns)),
                };
                for condition in on {
                    self.expr(condition, join_row);
                }
                let kind = params
                    .iter()
                    .find(|p| p.name.text == "kind")
                    .map(|p| p.value.text.as_str())
                    .unwrap_or("");
                match kind {
                    "leftanti" | "anti" | "leftantisemi" | "leftsemi" if !lookup => input.clone(),
                    "rightanti" | "rightantisemi" | "rightsemi" if !lookup => right_columns,
                    _ => {
                        let mut output = input.union(&right_columns);
                        for name in right_columns.names.iter() {
                            if input.has(name) {
                                output.add(&format!("{name}1"));
                            }
                        }
                        output
                    }
                }
            }
            OperatorKind::Union { params, tables } => {
                let mut output = if is_source {
                    Columns::known(Vec::new())
                } else {
                    input.clone()
                };
                for table in tables {
                    let columns = match table {
                        UnionItem::Wildcard(_) => Columns::unknown(),
                        UnionItem::Expr(expr) => {
                            self.tabular_source(expr).unwrap_or_else(Columns::unknown)
                        }
                    };
                    output = output.union(&columns);
                }
                // Columns of one name but different types in two tables come out as
                // `Name_string`, `Name_dynamic`, ...: without types, a union of several tables
                // has columns the checks cannot name.
                if tables.len() + usize::from(!is_source) > 1 {
                    output.open = true;
                }
                for param in params {
                    if matches!(param.name.text.as_str(), "withsource" | "with_source") {
                        output.add(&param.value.text);
                    }
                }
                output
            }
            OperatorKind::Parse { source, columns } => {
                self.expr(source, row);
                let mut output = input.clone();
                for column in columns {
                    output.add(&column.text);
                }
                output
            }
            OperatorKind::ParseKv {
                source,
                columns,
                properties,
            } => {
                self.expr(source, row);
                for property in properties {
                    self.expr(property, Row::none());
                }
                let mut output = input.clone();
                for column in columns {
                    output.add(&column.name.text);
                }
                output
            }
            OperatorKind::MvExpand {
                params,
                items,
                limit,
            } => {
                let mut output = input.clone();
                self.mv_items(items, params, row, &mut output);
                if let Some(limit) = limit {
                    self.expr(limit, Row::none());
                }
                output
            }
            OperatorKind::MvApply {
                params,
                items,
                limit,
                body,
            } => {
                let mut expanded = input.clone();
                self.mv_items(items, params, row, &mut expanded);
                if let Some(limit) = limit {
                    self.expr(limit, Row::none());
                }
                let body_output = self.operators(body, expanded.clone());
                expanded.union(&body_output)
            }
            OperatorKind::MakeSeries {
                aggregates,
                defaults,
                axis,
                range,
                by,
            } => {
                let mut output = Columns::known(Vec::new());
                for assignment in aggregates {
                    self.expr(&assignment.value, row);
                    match assignment.names.as_slice() {
                        [] => output.open = true,
                        names => names.iter().for_each(|n| output.add(&n.text)),
                    }
                }
                for default in defaults {
                    self.expr(default, Row::none());
                }
                self.expr(axis, row);
                match &axis.kind {
                    ExprKind::Name(name) => output.add(&name.text),
                    _ => output.open = true,
                }
                for bound in range {
                    self.expr(bound, Row::none());
                }
                for assignment in by {
                    self.expr(&assignment.value, row);
                    self.name_assignment(assignment, &mut output);
                }
                output
            }
            OperatorKind::Top { count, by } => {
                self.expr(count, Row::none());
                self.expr(by, row);
                input.clone()
            }
            OperatorKind::Sort(exprs) => {
                for expr in exprs {
                    self.expr(expr, row);
                }
                input.clone()
            }
            OperatorKind::Take(count) | OperatorKind::Sample(count) => {
                self.expr(count, Row::none());
                input.clone()
            }
            OperatorKind::SampleDistinct { count, column } => {
                self.expr(count, Row::none());
                self.expr(column, row);
                match &column.kind {
                    ExprKind::Name(name) => Columns::known(vec![name.text.clone()]),
                    _ => Columns::unknown(),
                }
            }
            OperatorKind::Distinct(None) | OperatorKind::Render => input.clone(),
            OperatorKind::Distinct(Some(assignments)) => {
                let mut output = Columns::known(Vec::new());
                for assignment in assignments {
                    self.expr(&assignment.value, row);
                    self.name_assignment(assignment, &mut output);
                }
                output
            }
            OperatorKind::Count => Columns::known(vec!["Count".to_string()]),
            OperatorKind::GetSchema => Columns::known(
                ["ColumnName", "ColumnOrdinal", "DataType", "ColumnType"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            ),
            OperatorKind::As(name) => {
                self.bind(&name.text, Binding::Table(input.clone()));
                input.clone()
            }
            OperatorKind::Datatable { columns, rows } => {
                for row_value in rows {
                    self.expr(row_value, Row::none());
                }
                Columns::known(columns.iter().map(|c| c.name.text.clone()).collect())
            }
            OperatorKind::ExternalData { columns } => {
                if columns.is_empty() {
                    Columns::unknown()
                } else {
                    Columns::known(columns.iter().map(|c| c.name.text.clone()).collect())
                }
            }
            OperatorKind::Range { column, bounds } => {
                for bound in bounds {
                    self.expr(bound, Row::none());
                }
                Columns::known(vec![column.text.clone()])
            }
            OperatorKind::Invoke { call } => {
                // The input table is the function's first argument.
                let count = call.arguments.len() + 1;
                match self.lookup(&call.name.text).cloned() {
                    Some(Binding::Function { min_args, max_args }) => {
                        if count < min_args || count > max_args {
                            self.argument_count(
                                call,
                                &describe_range(
                                    min_args - min_args.min(1),
                                    max_args.saturating_sub(1),
                                ),
                            );
                        }
                    }
                    Some(_) => {}
                    None => self.unknown_function(&call.name),
                }
                for argument in &call.arguments {
                    self.expr(&argument.value, Row::none());
                }
                Columns::unknown()
            }
            OperatorKind::Evaluate { call } => {
                // Plugin arguments name columns of the input, of other tables or nothing at all:
                // only the functions inside are checked.
                for argument in &call.arguments {
                    self.expr(&argument.value, Row::none());
                }
                Columns::unknown()
            }
            OperatorKind::Opaque {
                exprs,
                foreign,
                bodies,
            } => {
                for expr in exprs {
                    self.expr(expr, row);
                }
                for expr in foreign {
                    self.expr(expr, Row::none());
                }
                for body in bodies {
                    self.operators(body, input.clone());
                }
                Columns::unknown()
            }
        }
    }

    fn mv_items(
        &mut self,
        items: &[MvItem],
        params: &[OperatorParam],
        row: Row<'_>,
        output: &mut Columns,
    ) {
        for item in items {
            self.expr(&item.value, row);
            match (&item.name, derived_name(&item.value)) {
                (Some(name), _) => output.add(&name.text),
                (None, Some(name)) => output.add(&name),
                (None, None) => output.open = true,
            }
        }
        for param in params {
            if param.name.text == "with_itemindex" {
                output.add(&param.value.text);
            }
        }
    }

    /// The output column of `Name = expr`, `(A, B) = expr` or an unnamed `expr`.
    fn name_assignment(&mut self, assignment: &Assignment, output: &mut Columns) {
        if !assignment.names.is_empty() {
            for name in &assignment.names {
                output.add(&name.text);
            }
            return;
        }
        if let Some(name) = derived_name(&assignment.value) {
            output.add(&name);
            return;
        }
        match &assignment.value.kind {
            // `bin(TimeGenerated, 1h)` keeps the column's name.
            ExprKind::Call(call)
                if matches!(call.name.text.as_str(), "bin" | "bin_at" | "floor") =>
            {
                match call.arguments.first().map(|a| &a.value.kind) {
                    Some(ExprKind::Name(name)) => output.add(&name.text),
                    _ => output.open = true,
                }
            }
            _ => output.open = true,
        }
    }

    /// The output columns of an aggregate in `summarize`.
    fn name_aggregate(&mut self, assignment: &Assignment, input: &Columns, output: &mut Columns) {
        if !assignment.names.is_empty() {
            // `summarize (A, B) = arg_max(T, *)` names the first columns; the rest keep theirs.
            if let ExprKind::Call(call) = &assignment.value.kind
                && matches!(call.name.text.as_str(), "arg_max" | "arg_min")
            {
                self.arg_max_columns(call, input, output);
            }
            for name in &assignment.names {
                output.add(&name.text);
            }
            return;
        }
        match &assignment.value.kind {
            ExprKind::Call(call) => match call.name.text.as_str() {
                "count" if call.arguments.is_empty() => output.add("count_"),
                "arg_max" | "arg_min" => self.arg_max_columns(call, input, output),
                "take_any" | "any" => {
                    for argument in &call.arguments {
                        match &argument.value.kind {
                            ExprKind::Name(name) => output.add(&name.text),
                            ExprKind::Star => {
                                *output = output.union(input);
                            }
                            _ => output.open = true,
                        }
                    }
                }
                _ => output.open = true,
            },
            _ => output.open = true,
        }
    }

    fn arg_max_columns(&mut self, call: &Call, input: &Columns, output: &mut Columns) {
        for argument in &call.arguments {
            match &argument.value.kind {
                ExprKind::Name(name) => output.add(&name.text),
                ExprKind::Star => *output = output.union(input),
                _ => output.open = true,
            }
        }
    }

    fn column_patterns(&mut self, patterns: &[ColumnPattern], input: &Columns) {
        for pattern in patterns.iter().filter(|p| !p.wildcard) {
            self.column_reference(&pattern.name, Row::of(input));
        }
    }

    /// A name that must be a column of the input (or a variable).
    fn column_reference(&mut self, name: &Name, row: Row<'_>) {
        let Some(columns) = row.columns else {
            return;
        };
        if columns.open || columns.has(&name.text) || self.lookup(&name.text).is_some() {
            return;
        }
        if self.schema.has_table(&name.text) {
            // `x in (TableName)`: a table used as a list.
            return;
        }
        let mut diagnostic = Diagnostic::warning(
            codes::UNKNOWN_COLUMN,
            format!("unknown column `{}`", name.text),
        )
        .in_file(self.file)
        .at(name.span, "the input of this operator has no such column");
        if let Some(nearest) =
            crate::text::closest(&name.text, columns.names.iter().map(String::as_str))
        {
            diagnostic = diagnostic.with_help(format!("did you mean `{nearest}`?"));
        }
        self.diagnostics.push(diagnostic);
    }

    fn expr(&mut self, expr: &Expr, row: Row<'_>) {
        match &expr.kind {
            ExprKind::Literal(_) | ExprKind::Star | ExprKind::TypeOf | ExprKind::JoinSide(_) => {}
            ExprKind::Name(name) => {
                if row.join.is_some() {
                    self.join_key(name, row);
                } else {
                    self.column_reference(name, row);
                }
            }
            ExprKind::Call(call) => self.call(call, row),
            ExprKind::Path { target, steps } => {
                match (&target.kind, steps.first(), row.join) {
                    (
                        ExprKind::JoinSide(side),
                        Some(Accessor::Member(member)),
                        Some((left, right)),
                    ) => {
                        let columns = if *side == JoinSide::Left { left } else { right };
                        self.column_reference(member, Row::of(columns));
                    }
                    (_, _, Some((left, _))) => self.expr(target, Row::of(left)),
                    _ => self.expr(target, row),
                }
                for step in steps {
                    self.accessor(step, Row { join: None, ..row });
                }
            }
            ExprKind::Unary { operand, .. } => self.expr(operand, row),
            ExprKind::Chain { operands, .. } => {
                for operand in operands {
                    self.expr(operand, row);
                }
            }
            ExprKind::InList { left, items, .. } => {
                self.expr(left, row);
                for item in items {
                    self.expr(item, row);
                }
            }
            ExprKind::Between {
                left, low, high, ..
            } => {
                self.expr(left, row);
                self.expr(low, row);
                self.expr(high, row);
            }
            ExprKind::Pipeline(pipeline) => {
                self.pipeline(pipeline, None);
            }
        }
    }

    /// A bare name in a join's `on` clause: a column both sides have.
    fn join_key(&mut self, name: &Name, row: Row<'_>) {
        if let Some((left, right)) = row.join {
            self.column_reference(name, Row::of(left));
            self.column_reference(name, Row::of(right));
        }
    }

    fn accessor(&mut self, accessor: &Accessor, row: Row<'_>) {
        match accessor {
            Accessor::Member(_) => {}
            Accessor::Index(index) => self.expr(index, row),
            Accessor::Method(call) => {
                for argument in &call.arguments {
                    self.expr(&argument.value, row);
                }
            }
        }
    }

    fn call(&mut self, call: &Call, row: Row<'_>) {
        let name = call.name.text.as_str();
        let count = call.arguments.len();
        match self.lookup(name).cloned() {
            Some(Binding::Function { min_args, max_args }) => {
                if count < min_args || count > max_args {
                    self.argument_count(call, &describe_range(min_args, max_args));
                }
            }
            Some(_) => {}
            None => match functions::lookup(name) {
                Some(function) => {
                    if count < function.min_args || count > function.max_args {
                        self.argument_count(call, &functions::describe_arity(&function));
                    }
                }
                None => self.unknown_function(&call.name),
            },
        }
        for argument in &call.arguments {
            match &argument.value.kind {
                // A table given to a function (`materialize(T)`, `toscalar(T)`).
                ExprKind::Name(arg) if self.is_table(&arg.text) => {}
                _ => self.expr(&argument.value, row),
            }
        }
    }

    fn unknown_function(&mut self, name: &Name) {
        let mut diagnostic = Diagnostic::warning(
            codes::UNKNOWN_FUNCTION,
            format!("unknown function `{}`", name.text),
        )
        .in_file(self.file)
        .at(name.span, "neither built in nor defined by the query");
        diagnostic = match crate::text::closest(&name.text, functions::names()) {
            Some(nearest) => diagnostic.with_help(format!("did you mean `{nearest}`?")),
            None => {
                diagnostic.with_help("if the workspace defines this function, the query runs there")
            }
        };
        self.diagnostics.push(diagnostic);
    }

    fn is_table(&self, name: &str) -> bool {
        matches!(self.lookup(name), Some(Binding::Table(_))) || self.schema.has_table(name)
    }

    fn argument_count(&mut self, call: &Call, expected: &str) {
        let count = call.arguments.len();
        self.diagnostics.push(
            Diagnostic::error(
                codes::ARGUMENT_COUNT,
                format!(
                    "`{}` takes {expected} argument{}, not {count}",
                    call.name.text,
                    if expected == "1" { "" } else { "s" }
                ),
            )
            .in_file(self.file)
            .at(
                call.span,
                format!("{count} argument{}", if count == 1 { "" } else { "s" }),
            )
            .with_help("see the function's reference in the KQL documentation"),
        );
    }
}

/// The column name Kusto gives an unnamed column: a column keeps its name, a dynamic path
/// `a.b.c` becomes `a_b_c`.
fn derived_name(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Name(name) => Some(name.text.clone()),
        ExprKind::Path { target, steps } => {
            let ExprKind::Name(root) = &target.kind else {
                return None;
            };
            let mut name = root.text.clone();
            for step in steps {
                match step {
                    Accessor::Member(member) => {
                        name.push('_');
                        name.push_str(&member.text);
                    }
                    _ => return None,
                }
            }
            Some(name)
        }
        _ => None,
    }
}

fn parameter_binding(parameter: &Parameter) -> Binding {
    match &parameter.kind {
        ParameterKind::Scalar => Binding::Scalar,
        ParameterKind::Tabular { columns, open } => Binding::Table(Columns {
            names: Rc::new(columns.iter().map(|c| c.name.text.clone()).collect()),
            open: *open,
        }),
    }
}

fn describe_range(min: usize, max: usize) -> String {
    if min == max {
        min.to_string()
    } else {
        format!("{min} to {max}")
    }
}

/// Whether a `project-away` / `project-keep` pattern (with `*` wildcards) matches a column.
fn pattern_matches(pattern: &ColumnPattern, column: &str) -> bool {
    if !pattern.wildcard {
        return pattern.name.text == column;
    }
    let parts: Vec<&str> = pattern.name.text.split('*').collect();
    let mut rest = column;
    for (index, part) in parts.iter().enumerate() {
        if index == 0 {
            match rest.strip_prefix(part) {
                Some(after) => rest = after,
                None => return false,
            }
        } else if index == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;

    fn pattern(text: &str) -> ColumnPattern {
        ColumnPattern {
            name: Name {
                text: text.to_string(),
                span: Span::default(),
            },
            wildcard: text.contains('*'),
        }
    }

    #[test]
    fn wildcards_match_like_kusto() {
        assert!(pattern_matches(&pattern("Extended*"), "ExtendedProperties"));
        assert!(pattern_matches(&pattern("*Id"), "TenantId"));
        assert!(pattern_matches(&pattern("a*b*c"), "axxbyyc"));
        assert!(!pattern_matches(&pattern("a*b"), "ab_c"));
        assert!(pattern_matches(&pattern("*"), "anything"));
        assert!(!pattern_matches(&pattern("Tenant"), "TenantId"));
    }
}
