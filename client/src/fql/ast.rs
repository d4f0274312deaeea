//! The filter tree both the typed builder and the parser produce, and its
//! rendering as FQL text.

use std::fmt;

use super::value::Value;

/// A comparison operator, as written after the colon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Op {
    /// none: equals (or any-of with a list).
    Eq,
    /// `!`: not equal (or none-of with a list).
    Ne,
    /// `~`: text match.
    Match,
    /// `!~`: does not text-match.
    NotMatch,
    /// `*`: wildcard.
    Wildcard,
    /// `!*`: does not match the wildcard pattern.
    NotWildcard,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
}

impl Op {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "",
            Op::Ne => "!",
            Op::Match => "~",
            Op::NotMatch => "!~",
            Op::Wildcard => "*",
            Op::NotWildcard => "!*",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }

    pub(crate) fn negated(self) -> Op {
        match self {
            Op::Eq => Op::Ne,
            Op::Ne => Op::Eq,
            Op::Match => Op::NotMatch,
            Op::NotMatch => Op::Match,
            Op::Wildcard => Op::NotWildcard,
            Op::NotWildcard => Op::Wildcard,
            Op::Gt => Op::Le,
            Op::Le => Op::Gt,
            Op::Ge => Op::Lt,
            Op::Lt => Op::Ge,
        }
    }

    pub(crate) fn is_negation(self) -> bool {
        matches!(self, Op::Ne | Op::NotMatch | Op::NotWildcard)
    }
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Operand {
    One(Value),
    List(Vec<Value>),
}

/// `field:[op]value`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Comparison {
    pub(crate) field: String,
    pub(crate) op: Op,
    pub(crate) operand: Operand,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Node {
    Cmp(Comparison),
    /// Joined by `+`; never directly contains another `All`.
    All(Vec<Node>),
    /// Joined by `,`; never directly contains another `Any`.
    Any(Vec<Node>),
}

impl Node {
    pub(crate) fn negate(self) -> Node {
        match self {
            Node::Cmp(mut c) => {
                c.op = c.op.negated();
                Node::Cmp(c)
            }
            Node::All(xs) => Node::Any(xs.into_iter().map(Node::negate).collect()),
            Node::Any(xs) => Node::All(xs.into_iter().map(Node::negate).collect()),
        }
    }

    pub(crate) fn count(&self) -> usize {
        match self {
            Node::Cmp(_) => 1,
            Node::All(xs) | Node::Any(xs) => xs.iter().map(Node::count).sum(),
        }
    }

    pub(crate) fn write(&self, f: &mut impl fmt::Write, nested: bool) -> fmt::Result {
        let (items, sep) = match self {
            Node::Cmp(c) => return c.write(f),
            Node::All(xs) => (xs, '+'),
            Node::Any(xs) => (xs, ','),
        };
        let parens = nested && items.len() > 1;
        if parens {
            f.write_char('(')?;
        }
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                f.write_char(sep)?;
            }
            item.write(f, true)?;
        }
        if parens {
            f.write_char(')')?;
        }
        Ok(())
    }
}

impl Comparison {
    fn write(&self, f: &mut impl fmt::Write) -> fmt::Result {
        write!(f, "{}:{}", self.field, self.op.as_str())?;
        match &self.operand {
            Operand::One(v) => write!(f, "{v}"),
            Operand::List(vs) => {
                f.write_char('[')?;
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_char(']')
            }
        }
    }
}

/// Joins `nodes` into an `All` (`and == true`) or `Any`, flattening nested
/// groups of the same kind and unwrapping a single item.
pub(crate) fn join(nodes: impl IntoIterator<Item = Node>, and: bool) -> Node {
    let mut out = Vec::new();
    for n in nodes {
        match (n, and) {
            (Node::All(xs), true) | (Node::Any(xs), false) => out.extend(xs),
            (n, _) => out.push(n),
        }
    }
    if out.len() == 1 {
        if let Some(n) = out.pop() {
            return n;
        }
    }
    if and { Node::All(out) } else { Node::Any(out) }
}

/// The most properties (comparisons) one FQL filter may contain.
pub const MAX_PROPERTIES: usize = 20;
