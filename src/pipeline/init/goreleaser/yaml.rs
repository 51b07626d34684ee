//! A YAML document as a tree with line numbers (yaml-rust2's event parser), with
//! anchors, aliases and merge keys (`<<:`) resolved as goreleaser's YAML library does,
//! and a bound on what aliases may expand to, so a YAML bomb is refused.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// The most nodes a document may hold once its aliases are expanded.
pub const MAX_NODES: usize = 100_000;

/// A value and the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// Every scalar but null, as written (`true`, `386`, `v1`).
    Str(String),
    Seq(Vec<Node>),
    /// Keys in order; merge keys already applied.
    Map(Vec<(String, Node)>),
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(s) => s.iter().map(Node::size).sum(),
            Value::Map(m) => m.iter().map(|(_, v)| v.size()).sum(),
            _ => 0,
        }
    }
}

/// A string or a list of strings.
pub fn strings(n: &Node) -> Vec<String> {
    match &n.value {
        Value::Str(s) => vec![s.clone()],
        Value::Seq(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

enum Open {
    Seq(Vec<Node>, usize, usize),
    /// Entries, a key waiting for its value (and the key's line), the line, the anchor.
    Map(Vec<(String, Node)>, Option<(String, usize)>, usize, usize),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    nodes: usize,
    error: Option<String>,
}

impl Builder {
    fn push(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Open::Seq(items, _, _)) => items.push(node),
            Some(Open::Map(entries, key, _, _)) => match key.take() {
                None => {
                    let k = match node.value {
                        Value::Str(s) => s,
                        Value::Null => String::new(),
                        _ => {
                            self.error.get_or_insert(format!(
                                "line {}: a mapping key that is not a scalar",
                                node.line
                            ));
                            String::new()
                        }
                    };
                    *key = Some((k, node.line));
                }
                Some((k, key_line)) => {
                    // A mapping or list under a key starts, for people, on the key's line.
                    let mut node = node;
                    if matches!(node.value, Value::Map(_) | Value::Seq(_)) {
                        node.line = key_line;
                    }
                    entries.push((k, node));
                }
            },
        }
    }
}

/// Applies merge keys: the entries of `<<` (a mapping, or a list of them, earlier ones
/// winning) are added where the mapping does not set the key itself.
fn merge(entries: Vec<(String, Node)>) -> Vec<(String, Node)> {
    if !entries.iter().any(|(k, _)| k == "<<") {
        return entries;
    }
    let mut own: Vec<(String, Node)> = Vec::new();
    let mut merged: Vec<(String, Node)> = Vec::new();
    for (k, v) in entries {
        if k != "<<" {
            own.retain(|(o, _)| o != &k);
            own.push((k, v));
            continue;
        }
        let sources = match v.value {
            Value::Seq(s) => s,
            other => vec![Node {
                value: other,
                line: v.line,
            }],
        };
        for s in sources {
            if let Value::Map(m) = s.value {
                for (mk, mv) in m {
                    if !merged.iter().any(|(e, _)| e == &mk) {
                        merged.push((mk, mv));
                    }
                }
            }
        }
    }
    for (k, v) in merged {
        if !own.iter().any(|(o, _)| o == &k) {
            own.push((k, v));
        }
    }
    own
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let line = mark.line();
        match ev {
            Event::Scalar(s, style, anchor, _) => {
                self.nodes += 1;
                let null = style == TScalarStyle::Plain
                    && matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL");
                let value = if null { Value::Null } else { Value::Str(s) };
                self.push(Node { value, line }, anchor);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Open::Seq(Vec::new(), line, anchor)),
            Event::MappingStart(anchor, _) => {
                self.stack.push(Open::Map(Vec::new(), None, line, anchor))
            }
            Event::SequenceEnd => {
                if let Some(Open::Seq(items, l, a)) = self.stack.pop() {
                    self.nodes += 1;
                    self.push(
                        Node {
                            value: Value::Seq(items),
                            line: l,
                        },
                        a,
                    );
                }
            }
            Event::MappingEnd => {
                if let Some(Open::Map(entries, _, l, a)) = self.stack.pop() {
                    self.nodes += 1;
                    self.push(
                        Node {
                            value: Value::Map(merge(entries)),
                            line: l,
                        },
                        a,
                    );
                }
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(n) => {
                    self.nodes += n.size();
                    if self.nodes > MAX_NODES {
                        self.error = Some(format!(
                            "line {line}: aliases expand past {MAX_NODES} nodes (a YAML bomb?); refused"
                        ));
                        return;
                    }
                    self.push(n, 0);
                }
                None => self.error = Some(format!("line {line}: an alias to no anchor")),
            },
            _ => {}
        }
        if self.nodes > MAX_NODES && self.error.is_none() {
            self.error = Some(format!("line {line}: more than {MAX_NODES} nodes; refused"));
        }
    }
}

/// Parses the first document of `text`. An empty document is `Null`.
pub fn parse(text: &str) -> Result<Node, String> {
    let mut b = Builder::default();
    Parser::new_from_str(text)
        .load(&mut b, false)
        .map_err(|e| e.to_string())?;
    if let Some(e) = b.error {
        return Err(e);
    }
    Ok(b.root.unwrap_or(Node {
        value: Value::Null,
        line: 1,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_merge_keys_and_bombs() {
        let doc = "a: &x\n  k: 1\n  j: 2\nb:\n  <<: *x\n  k: 3\n";
        let n = parse(doc).unwrap();
        let b = n.get("b").unwrap();
        assert_eq!(b.get("k").and_then(Node::as_str), Some("3"), "own key wins");
        assert_eq!(b.get("j").and_then(Node::as_str), Some("2"), "merged key");
        assert_eq!(b.get("j").map(|j| j.line), Some(3), "the anchor's line");
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            bomb.push_str(&format!("b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let e = parse(&bomb).unwrap_err();
        assert!(e.contains("YAML bomb"), "{e}");
        assert!(parse("a: [").is_err());
    }
}
