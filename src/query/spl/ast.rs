//! The SPL syntax tree. Every node carries the byte span the parser gave it; names and values
//! are read from the parsed text through those spans ([`Span`] indexes the text that was parsed).
//!
//! Chains of the same operator are flat lists (`a + b + c`, `x OR y OR z`, `NOT NOT x`), so a
//! long input never makes a deep tree.

use crate::diagnostic::Span;

/// A pipeline: the stages of a search or of a subsearch.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub stages: Vec<Stage>,
    pub span: Span,
}

/// One stage of a pipeline, with the `|` that introduces it (none for the first stage).
#[derive(Debug, Clone)]
pub struct Stage {
    pub pipe: Option<Span>,
    pub kind: StageKind,
    /// The stage's own text (empty at the pipe's end for an empty stage).
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum StageKind {
    /// Nothing between two pipes, or after the last one.
    Empty,
    /// The search command; `keyword` is `None` when it is implicit (first stage).
    Search {
        keyword: Option<Span>,
        expr: Option<SearchExpr>,
    },
    Where {
        keyword: Span,
        expr: Option<EvalExpr>,
    },
    Eval {
        keyword: Span,
        assignments: Vec<Assignment>,
    },
    /// A macro standing for a whole command (opaque), with any words after it.
    Macro { call: MacroCall, args: Vec<Arg> },
    /// Any other command: checked against the catalogue.
    Command(Command),
}

/// `field = expression` in `eval`.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub target: Span,
    pub value: EvalExpr,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Command {
    pub name: Span,
    pub args: Vec<Arg>,
    /// `where <search>` of tstats, mstats and inputlookup.
    pub where_clause: Option<WhereClause>,
    /// `by <fields>` of tstats and mstats (other commands keep `by` among their arguments).
    pub by_clause: Option<ByClause>,
}

#[derive(Debug, Clone)]
pub struct WhereClause {
    pub keyword: Span,
    pub expr: Option<SearchExpr>,
}

#[derive(Debug, Clone)]
pub struct ByClause {
    pub keyword: Span,
    pub args: Vec<Arg>,
}

/// An argument of a catalogue command.
#[derive(Debug, Clone)]
pub struct Arg {
    pub kind: ArgKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ArgKind {
    Word,
    Quoted,
    SingleQuoted,
    Comma,
    /// `key=value` (or another comparison operator); `value` is missing in `key=`.
    Option {
        key: Span,
        operator: Span,
        value: Option<Box<Arg>>,
    },
    /// `name(arguments)`: aggregation functions, `ctime(x)`, ...
    Call {
        name: Span,
        args: Vec<Arg>,
    },
    /// `eval(expression)` inside an aggregation.
    EvalCall(EvalExpr),
    /// `( ... )` standing alone.
    Group(Vec<Arg>),
    Subsearch(Pipeline),
    Macro(MacroCall),
}

/// `` `name` `` or `` `name(arg, ...)` ``.
#[derive(Debug, Clone)]
pub struct MacroCall {
    pub name: Span,
    pub args: Vec<Span>,
    pub span: Span,
}

/// The search command's boolean expression.
#[derive(Debug, Clone)]
pub struct SearchExpr {
    pub kind: SearchKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum SearchKind {
    /// Terms side by side or joined by `AND` (binds loosest in the search command).
    And(Vec<SearchExpr>),
    Or(Vec<SearchExpr>),
    /// One or more `NOT`s before an operand.
    Not {
        keywords: Vec<Span>,
        operand: Box<SearchExpr>,
    },
    /// `( ... )`; `None` for `()`.
    Group(Option<Box<SearchExpr>>),
    Comparison {
        field: Span,
        operator: Span,
        value: Option<SearchValue>,
    },
    In {
        field: Span,
        keyword: Span,
        values: Vec<SearchValue>,
    },
    /// `field IN value`: `IN` needs a parenthesized list.
    InWithoutList {
        field: Span,
        keyword: Span,
    },
    Term(SearchValue),
}

#[derive(Debug, Clone)]
pub struct SearchValue {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ValueKind {
    Word,
    Quoted,
    Case,
    Term,
    Macro(MacroCall),
    Subsearch(Pipeline),
}

/// An eval / where expression.
#[derive(Debug, Clone)]
pub struct EvalExpr {
    pub kind: EvalKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    Xor,
    And,
    Compare,
    Add,
    Multiply,
}

#[derive(Debug, Clone)]
pub enum EvalKind {
    /// `operands[0] op[0] operands[1] op[1] ...`, all operators of one precedence level.
    Chain {
        level: BinaryOp,
        operands: Vec<EvalExpr>,
        operators: Vec<Span>,
    },
    /// `NOT`/`!` or unary `-`/`+`, one or more, before an operand.
    Unary {
        operators: Vec<Span>,
        operand: Box<EvalExpr>,
    },
    /// `value IN (a, b)`.
    In {
        value: Box<EvalExpr>,
        keyword: Span,
        list: Vec<EvalExpr>,
    },
    Call {
        name: Span,
        args: Vec<EvalExpr>,
    },
    Group(Box<EvalExpr>),
    Field,
    QuotedField,
    String,
    Number,
    Macro(MacroCall),
}
