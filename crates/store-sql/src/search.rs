//! Assembles filtered queries with numbered parameters, for both backends.

use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

/// A value bound to a numbered parameter.
pub enum Arg {
    Text(String),
    Bytes(Vec<u8>),
    Bool(bool),
    Int(i64),
}

/// `WHERE` clauses joined by `AND`, with their arguments in order.
#[derive(Default)]
pub struct Conditions {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Conditions {
    /// Binds `arg` as the next parameter and adds `clause`, in which `?` stands for it.
    pub fn push(&mut self, clause: &str, arg: Arg) {
        self.args.push(arg);
        let placeholder = format!("${}", self.args.len());
        self.clauses.push(clause.replace('?', &placeholder));
    }

    pub fn push_plain(&mut self, clause: &str) {
        self.clauses.push(clause.to_string());
    }

    /// Binds several values for an `IN (…)` list; `?` in `clause` stands for the list.
    pub fn push_list(&mut self, clause: &str, args: impl IntoIterator<Item = Arg>) {
        self.push_with(args.into_iter().collect(), |placeholders| {
            clause.replace('?', &placeholders.join(", "))
        });
    }

    /// Binds `args` in order and adds the clause `build` makes from their placeholders.
    pub fn push_with(&mut self, args: Vec<Arg>, build: impl FnOnce(&[String]) -> String) {
        let first = self.args.len() + 1;
        let placeholders: Vec<String> = (first..first + args.len())
            .map(|n| format!("${n}"))
            .collect();
        self.args.extend(args);
        self.clauses.push(build(&placeholders));
    }

    /// The next free parameter number, for clauses after the conditions.
    pub fn next_param(&self) -> usize {
        self.args.len() + 1
    }

    pub fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    pub fn bind(self, q: Query<'static, Any, AnyArguments>) -> Query<'static, Any, AnyArguments> {
        bind_args(q, self.args)
    }
}

/// Binds `args` to the query's parameters in order.
pub fn bind_args(
    mut q: Query<'static, Any, AnyArguments>,
    args: Vec<Arg>,
) -> Query<'static, Any, AnyArguments> {
    for arg in args {
        q = match arg {
            Arg::Text(v) => q.bind(v),
            Arg::Bytes(v) => q.bind(v),
            Arg::Bool(v) => q.bind(v),
            Arg::Int(v) => q.bind(v),
        };
    }
    q
}
