//! Text → located tree: YAML and JSON read into [`node::Node`]s that keep line and column, and
//! serde decoding over them with errors at the innermost value.

pub mod decode;
pub mod node;
