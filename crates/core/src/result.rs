//! The JSON result (`docs/RESULT.md`): the contract other programs and later commands read.

use crate::eval::assess::Assessment;

/// The JSON result of an assessment, pretty-printed, with a final newline.
pub fn json(a: &Assessment) -> String {
    let mut s =
        serde_json::to_string_pretty(a).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
