//! Typed decoding of a [`Node`] with serde, errors pointing at the innermost value.
//!
//! Loaders decode each item (a rule, a question, the organisation block) separately, so one
//! bad item does not hide the problems of the next. An error carries the location of the
//! node where it arose; outer nodes add theirs only when it is still missing.

use crate::diag::Loc;
use crate::syntax::node::{Node, NodeKind};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use std::fmt;

/// A decoding error with the place it points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// What went wrong.
    pub message: String,
    /// Where.
    pub loc: Loc,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DecodeError {
            message: msg.to_string(),
            loc: Loc::UNKNOWN,
        }
    }
}

impl DecodeError {
    fn at(mut self, loc: Loc) -> Self {
        if !self.loc.is_known() {
            self.loc = loc;
        }
        self
    }
}

/// Decodes `node` into `T`.
pub fn decode<T: DeserializeOwned>(node: &Node) -> Result<T, DecodeError> {
    decode_except(node, &[])
}

/// Decodes `node` into `T` as if the entries under `skip` were not in it (when it is a
/// mapping): loaders decode an item's plain fields with serde while reading the entries under
/// `skip` (conditions) themselves, without copying the item.
pub fn decode_except<T: DeserializeOwned>(node: &Node, skip: &[&str]) -> Result<T, DecodeError> {
    T::deserialize(NodeDe { node, skip }).map_err(|e| e.at(node.loc))
}

/// A node to decode; `skip` (top level only) names mapping entries to pass over.
struct NodeDe<'a> {
    node: &'a Node,
    skip: &'a [&'a str],
}

/// A nested node: nothing is skipped below the top level.
fn nested(node: &Node) -> NodeDe<'_> {
    NodeDe { node, skip: &[] }
}

impl<'de> de::Deserializer<'de> for NodeDe<'_> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let loc = self.node.loc;
        let r = match &self.node.kind {
            NodeKind::Null => visitor.visit_unit(),
            NodeKind::Bool(b) => visitor.visit_bool(*b),
            NodeKind::Int(i) => visitor.visit_i64(*i),
            NodeKind::Float(x) => visitor.visit_f64(*x),
            NodeKind::Str(s) => visitor.visit_str(s),
            NodeKind::Seq(items) => visitor.visit_seq(Seq { iter: items.iter() }),
            NodeKind::Map(entries) => visitor.visit_map(Map {
                iter: entries.iter(),
                value: None,
                skip: self.skip,
            }),
        };
        r.map_err(|e| e.at(loc))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.node.kind {
            NodeKind::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        let loc = self.node.loc;
        match &self.node.kind {
            NodeKind::Str(s) => visitor
                .visit_enum(s.as_str().into_deserializer())
                .map_err(|e: DecodeError| e.at(loc)),
            _ => Err(de::Error::invalid_type(unexpected(self.node), &"a name"))
                .map_err(|e: DecodeError| e.at(loc)),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

fn unexpected(n: &Node) -> de::Unexpected<'_> {
    match &n.kind {
        NodeKind::Null => de::Unexpected::Unit,
        NodeKind::Bool(b) => de::Unexpected::Bool(*b),
        NodeKind::Int(i) => de::Unexpected::Signed(*i),
        NodeKind::Float(x) => de::Unexpected::Float(*x),
        NodeKind::Str(s) => de::Unexpected::Str(s),
        NodeKind::Seq(_) => de::Unexpected::Seq,
        NodeKind::Map(_) => de::Unexpected::Map,
    }
}

struct Seq<'a> {
    iter: std::slice::Iter<'a, Node>,
}

impl<'de> SeqAccess<'de> for Seq<'_> {
    type Error = DecodeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DecodeError> {
        match self.iter.next() {
            Some(n) => seed
                .deserialize(nested(n))
                .map(Some)
                .map_err(|e| e.at(n.loc)),
            None => Ok(None),
        }
    }
}

struct Map<'a> {
    iter: std::slice::Iter<'a, (crate::syntax::node::Key, Node)>,
    value: Option<&'a Node>,
    /// Keys whose entries are passed over.
    skip: &'a [&'a str],
}

impl<'de> MapAccess<'de> for Map<'_> {
    type Error = DecodeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        let skip = self.skip;
        match self.iter.find(|(k, _)| !skip.contains(&k.name.as_str())) {
            Some((k, v)) => {
                self.value = Some(v);
                let kd: de::value::StrDeserializer<'_, DecodeError> =
                    k.name.as_str().into_deserializer();
                seed.deserialize(kd).map(Some).map_err(|e| e.at(k.loc))
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        match self.value.take() {
            Some(n) => seed.deserialize(nested(n)).map_err(|e| e.at(n.loc)),
            None => Err(de::Error::custom("value without a key")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::node::{Format, parse};
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Thing {
        name: String,
        severity: Sev,
        count: Option<u32>,
        date: Option<chrono::NaiveDate>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Sev {
        High,
        Low,
    }

    #[test]
    fn decodes_and_points_at_unknown_keys() {
        let n = parse("name: a\nseverty: high\n", Format::Yaml).unwrap();
        let e = decode::<Thing>(&n).unwrap_err();
        assert!(e.message.contains("unknown field `severty`"), "{e}");
        assert_eq!(e.loc, Loc { line: 2, col: 1 });
    }

    #[test]
    fn points_at_bad_values() {
        let n = parse("name: a\nseverity: hgh\ncount: 3\n", Format::Yaml).unwrap();
        let e = decode::<Thing>(&n).unwrap_err();
        assert!(e.message.contains("unknown variant `hgh`"), "{e}");
        assert_eq!(e.loc, Loc { line: 2, col: 11 });
        let n = parse("name: a\nseverity: low\ndate: 2026-13-01\n", Format::Yaml).unwrap();
        let e = decode::<Thing>(&n).unwrap_err();
        assert_eq!(e.loc.line, 3, "{e}");
    }

    #[test]
    fn decodes_good_input() {
        let n = parse(
            "name: a\nseverity: low\ncount: 3\ndate: 2026-01-02\n",
            Format::Yaml,
        )
        .unwrap();
        let t = decode::<Thing>(&n).unwrap();
        assert_eq!(t.count, Some(3));
        assert_eq!(t.date, chrono::NaiveDate::from_ymd_opt(2026, 1, 2));
    }
}
