//! The document tree: YAML or JSON parsed into one generic, located form.
//!
//! Every loader starts here. [`parse`] turns text into a [`Node`] tree that keeps each value's
//! line and column (YAML through serde-saphyr's `Spanned`; JSON through serde_json, with
//! locations recovered on demand by [`relocate_json`]). Scalars keep the type the *syntax* gave
//! them, with YAML 1.1 guessing switched off: `yes`, `no`, `on` and `0755` stay text. What an
//! answer means is decided later by its question, never here. Duplicate keys are always an
//! error.

use crate::diag::Loc;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// One value in a document, with where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub kind: NodeKind,
    /// Where it starts (unknown for JSON until [`relocate_json`]).
    pub loc: Loc,
}

/// The shapes a value can have.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false` only.
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// Text.
    Str(String),
    /// A list.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its place.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// The key as text.
    pub name: String,
    /// Where it stands.
    pub loc: Loc,
}

/// The syntax of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// YAML (the default for anything not named `.json`).
    Yaml,
    /// JSON.
    Json,
}

impl Format {
    /// Guesses the format from a file name: `.json` is JSON, all else YAML.
    pub fn from_path(path: &str) -> Format {
        if path.to_ascii_lowercase().ends_with(".json") {
            Format::Json
        } else {
            Format::Yaml
        }
    }
}

/// A syntax error: the document could not be parsed at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where parsing stopped.
    pub loc: Loc,
    /// What the parser said.
    pub message: String,
}

impl Node {
    /// A short name of the node's shape, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(_) => "a number",
            NodeKind::Str(_) => "text",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }

    /// The entries if this is a mapping.
    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The text if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }

    /// The value as it would be written, for messages (`true`, `"text"`, `[a, b]`).
    pub fn display(&self) -> String {
        match &self.kind {
            NodeKind::Null => "null".into(),
            NodeKind::Bool(b) => b.to_string(),
            NodeKind::Int(i) => i.to_string(),
            NodeKind::Float(x) => x.to_string(),
            NodeKind::Str(s) => format!("{s:?}"),
            NodeKind::Seq(items) => {
                let parts: Vec<String> = items.iter().map(Node::display).collect();
                format!("[{}]", parts.join(", "))
            }
            NodeKind::Map(_) => "{…}".into(),
        }
    }
}

/// Parses `text` in `format`. An empty YAML document is `Null`.
pub fn parse(text: &str, format: Format) -> Result<Node, SyntaxError> {
    match format {
        Format::Yaml => parse_yaml(text),
        Format::Json => parse_json(text),
    }
}

/// Resource limits for documents read from others (facts files, packs, workbooks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest input, in bytes.
    pub max_file_bytes: usize,
    /// Deepest nesting of lists and mappings.
    pub max_depth: usize,
    /// Longest single string, in bytes.
    pub max_string_bytes: usize,
    /// Most entries in one list or mapping.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 10 * 1024 * 1024,
            max_depth: 32,
            max_string_bytes: 1024 * 1024,
            max_entries: 10_000,
        }
    }
}

/// Checks a parsed tree against `limits`; returns (place, problem) for each breach.
pub fn check_limits(node: &Node, limits: &Limits) -> Vec<(Loc, String)> {
    let mut out = Vec::new();
    walk_limits(node, limits, 1, &mut out);
    out
}

fn walk_limits(node: &Node, limits: &Limits, depth: usize, out: &mut Vec<(Loc, String)>) {
    if out.len() >= 20 {
        return;
    }
    if depth > limits.max_depth {
        out.push((
            node.loc,
            format!("nested deeper than {} levels", limits.max_depth),
        ));
        return;
    }
    match &node.kind {
        NodeKind::Str(s) if s.len() > limits.max_string_bytes => {
            out.push((
                node.loc,
                format!(
                    "text of {} bytes is longer than the limit of {} bytes",
                    s.len(),
                    limits.max_string_bytes
                ),
            ));
        }
        NodeKind::Seq(items) => {
            if items.len() > limits.max_entries {
                out.push((
                    node.loc,
                    format!(
                        "list of {} entries is longer than the limit of {}",
                        items.len(),
                        limits.max_entries
                    ),
                ));
                return;
            }
            items
                .iter()
                .for_each(|n| walk_limits(n, limits, depth + 1, out));
        }
        NodeKind::Map(entries) => {
            if entries.len() > limits.max_entries {
                out.push((
                    node.loc,
                    format!(
                        "mapping of {} entries is larger than the limit of {}",
                        entries.len(),
                        limits.max_entries
                    ),
                ));
                return;
            }
            for (k, v) in entries {
                if k.name.len() > limits.max_string_bytes {
                    out.push((k.loc, "key longer than the text limit".to_string()));
                }
                walk_limits(v, limits, depth + 1, out);
            }
        }
        _ => {}
    }
}

/// The YAML reading options every hegui reader uses (YAML 1.1 guessing off, duplicate keys
/// refused, resource budgets on).
pub fn yaml_options() -> serde_saphyr::Options {
    // Budgets against hostile input: alias bombs, deep nesting and event storms are refused
    // early (serde-saphyr counts expanded nodes, not only alias jumps).
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_PARSE_DEPTH;
    budget.max_documents = 1;
    serde_saphyr::options! {
        budget: Some(budget),
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
    }
}

fn parse_yaml(text: &str) -> Result<Node, SyntaxError> {
    if text
        .trim()
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#') || l.trim() == "---")
    {
        return Ok(Node {
            kind: NodeKind::Null,
            loc: Loc { line: 1, col: 1 },
        });
    }
    match serde_saphyr::from_str_with_options::<Spanned<YamlNode>>(text, yaml_options()) {
        Ok(sp) => Ok(located(sp)),
        Err(e) => {
            let loc = e
                .location()
                .map(|l| Loc {
                    line: l.line() as u32,
                    col: l.column() as u32,
                })
                .unwrap_or(Loc::UNKNOWN);
            Err(SyntaxError {
                loc,
                message: first_line(&e.to_string()),
            })
        }
    }
}

fn first_line(s: &str) -> String {
    // serde-saphyr appends a source snippet; the message is its first line, minus "line N column M: ".
    let line = s.lines().next().unwrap_or(s).trim();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    match line.find(": ") {
        Some(i) if line.starts_with("line ") => line.get(i + 2..).unwrap_or(line).to_string(),
        _ => line.to_string(),
    }
}

/// Deepest nesting either parser accepts. Kept low so that parsing stays shallow on the small
/// stacks of worker and test threads; [`Limits::max_depth`] is lower still.
pub const MAX_PARSE_DEPTH: usize = 40;

/// Finds where JSON text nests deeper than `max` lists/objects, without recursion.
fn json_too_deep(text: &str, max: usize) -> Option<Loc> {
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    let (mut line, mut col) = (1u32, 0u32);
    for c in text.chars() {
        col += 1;
        if c == '\n' {
            line += 1;
            col = 0;
        }
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '[' | '{' => {
                depth += 1;
                if depth > max {
                    return Some(Loc { line, col });
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn parse_json(text: &str) -> Result<Node, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(loc) = json_too_deep(text, MAX_PARSE_DEPTH) {
        return Err(SyntaxError {
            loc,
            message: format!("nested deeper than {MAX_PARSE_DEPTH} levels"),
        });
    }
    match serde_json::from_str::<PlainNode>(text) {
        Ok(n) => Ok(n.0),
        Err(e) => {
            let msg = e.to_string();
            let msg = match msg.rfind(" at line ") {
                Some(i) => msg.get(..i).unwrap_or(&msg).to_string(),
                None => msg,
            };
            let mut loc = Loc {
                line: e.line() as u32,
                col: e.column() as u32,
            };
            if msg.starts_with("duplicate key") {
                // serde_json stops after the value; the YAML reader points at the second key itself.
                if let Err(y) = parse_yaml(text)
                    && y.loc.is_known()
                    && y.message.contains("duplicate")
                {
                    loc = y.loc;
                }
            }
            Err(SyntaxError { loc, message: msg })
        }
    }
}

/// Re-reads a JSON document through the YAML parser (JSON is YAML's flow syntax) to learn the
/// line and column of every value. Used only when there is an error to point at, so the fast
/// path stays fast. `None` if the text does not parse that way.
pub fn relocate_json(text: &str) -> Option<Node> {
    parse_yaml(text.strip_prefix('\u{feff}').unwrap_or(text)).ok()
}

fn located(sp: Spanned<YamlNode>) -> Node {
    let mut node = sp.value.0;
    node.loc = Loc {
        line: sp.referenced.line() as u32,
        col: sp.referenced.column() as u32,
    };
    node
}

/// A node read from YAML: children are read as `Spanned` to learn their place.
struct YamlNode(Node);
/// A node read without places (JSON, or any format when places are not needed): scalars
/// typed by the syntax alone, exactly as in a located tree.
pub struct PlainNode(pub Node);

trait Child: Sized {
    fn read_elem<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<Option<Node>, A::Error>;
    fn read_entry<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<(Key, Node)>, A::Error>;
}

impl Child for YamlNode {
    fn read_elem<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<Option<Node>, A::Error> {
        Ok(seq.next_element::<Spanned<YamlNode>>()?.map(located))
    }
    fn read_entry<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<(Key, Node)>, A::Error> {
        let Some(k) = map.next_key::<Spanned<KeyText>>()? else {
            return Ok(None);
        };
        let v = map.next_value::<Spanned<YamlNode>>()?;
        let key = Key {
            name: k.value.0,
            loc: Loc {
                line: k.referenced.line() as u32,
                col: k.referenced.column() as u32,
            },
        };
        Ok(Some((key, located(v))))
    }
}

impl Child for PlainNode {
    fn read_elem<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<Option<Node>, A::Error> {
        Ok(seq.next_element::<PlainNode>()?.map(|n| n.0))
    }
    fn read_entry<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<(Key, Node)>, A::Error> {
        let Some(k) = map.next_key::<String>()? else {
            return Ok(None);
        };
        let v = map.next_value::<PlainNode>()?;
        Ok(Some((
            Key {
                name: k,
                loc: Loc::UNKNOWN,
            },
            v.0,
        )))
    }
}

struct NodeVisitor<C>(std::marker::PhantomData<C>);

fn leaf(kind: NodeKind) -> Node {
    Node {
        kind,
        loc: Loc::UNKNOWN,
    }
}

impl<'de, C: Child> Visitor<'de> for NodeVisitor<C> {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(leaf(NodeKind::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(leaf(NodeKind::Int(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(leaf(match i64::try_from(v) {
            Ok(i) => NodeKind::Int(i),
            Err(_) => NodeKind::Float(v as f64),
        }))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(leaf(match i64::try_from(v) {
            Ok(i) => NodeKind::Int(i),
            Err(_) => NodeKind::Float(v as f64),
        }))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
        Ok(leaf(match i64::try_from(v) {
            Ok(i) => NodeKind::Int(i),
            Err(_) => NodeKind::Float(v as f64),
        }))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(leaf(NodeKind::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(leaf(NodeKind::Str(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(leaf(NodeKind::Str(v)))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(leaf(NodeKind::Null))
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(leaf(NodeKind::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = C::read_elem(&mut seq)? {
            items.push(n);
        }
        Ok(leaf(NodeKind::Seq(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries: Vec<(Key, Node)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        while let Some((k, v)) = C::read_entry(&mut map)? {
            if !seen.insert(k.name.clone()) {
                return Err(de::Error::custom(format!("duplicate key `{}`", k.name)));
            }
            entries.push((k, v));
        }
        Ok(leaf(NodeKind::Map(entries)))
    }
}

impl<'de> Deserialize<'de> for YamlNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor::<YamlNode>(std::marker::PhantomData))
            .map(YamlNode)
    }
}

impl<'de> Deserialize<'de> for PlainNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor::<PlainNode>(std::marker::PhantomData))
            .map(PlainNode)
    }
}

/// A mapping key: any scalar, as text.
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<KeyText, E> {
                Ok(KeyText(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<KeyText, E> {
                Ok(KeyText("null".into()))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(s: &str) -> Node {
        parse(s, Format::Yaml).unwrap()
    }

    #[test]
    fn yaml_11_words_stay_text() {
        let n = yaml("a: yes\nb: NO\nc: on\nd: 0755\ne: true\nf: 1_000\ng: 12\nh: 1.5\ni:\n");
        let get = |k: &str| n.get(k).unwrap().kind.clone();
        assert_eq!(get("a"), NodeKind::Str("yes".into()));
        assert_eq!(get("b"), NodeKind::Str("NO".into()));
        assert_eq!(get("c"), NodeKind::Str("on".into()));
        assert_eq!(get("d"), NodeKind::Str("0755".into()));
        assert_eq!(get("e"), NodeKind::Bool(true));
        assert_eq!(get("f"), NodeKind::Str("1_000".into()));
        assert_eq!(get("g"), NodeKind::Int(12));
        assert_eq!(get("h"), NodeKind::Float(1.5));
        assert_eq!(get("i"), NodeKind::Null);
    }

    #[test]
    fn yaml_locations_are_kept() {
        let n = yaml("top:\n  inner: [1, 2]\n  other: x\n");
        let top = n.get("top").unwrap();
        let (k, v) = &top.as_map().unwrap()[1];
        assert_eq!(k.name, "other");
        assert_eq!(k.loc, Loc { line: 3, col: 3 });
        assert_eq!(v.loc, Loc { line: 3, col: 10 });
    }

    #[test]
    fn duplicate_keys_are_errors_in_both_formats() {
        let e = parse("a: 1\nb: 2\na: 3\n", Format::Yaml).unwrap_err();
        assert_eq!(e.loc.line, 3, "{e:?}");
        assert!(e.message.contains("duplicate"), "{e:?}");
        let e = parse("{\"a\": 1,\n \"a\": 2}", Format::Json).unwrap_err();
        assert_eq!(e.loc.line, 2, "{e:?}");
        assert!(e.message.contains("duplicate key `a`"), "{e:?}");
    }

    #[test]
    fn json_relocates_through_yaml() {
        let text = "{\n  \"answers\": {\n    \"x\": \"yes\"\n  }\n}";
        let fast = parse(text, Format::Json).unwrap();
        assert_eq!(
            fast.get("answers").unwrap().get("x").unwrap().loc,
            Loc::UNKNOWN
        );
        let slow = relocate_json(text).unwrap();
        assert_eq!(slow.get("answers").unwrap().get("x").unwrap().loc.line, 3);
        assert_eq!(
            fast.get("answers").unwrap().get("x").unwrap().kind,
            slow.get("answers").unwrap().get("x").unwrap().kind
        );
    }

    #[test]
    fn syntax_errors_have_places() {
        let e = parse("a: [1, 2\nb: 3\n", Format::Yaml).unwrap_err();
        assert!(e.loc.is_known(), "{e:?}");
        let e = parse("{\"a\": }", Format::Json).unwrap_err();
        assert_eq!(e.loc, Loc { line: 1, col: 7 });
    }

    #[test]
    fn empty_yaml_is_null() {
        assert_eq!(yaml("# nothing\n").kind, NodeKind::Null);
    }
}
