//! Bilingual text: Chinese (authoritative) and English.

use serde::{Deserialize, Serialize};

/// A text in zh-CN and en. Chinese is authoritative; the English is a faithful translation.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// 中文 (authoritative).
    pub zh: String,
    /// English.
    pub en: String,
}

impl Text {
    /// Builds a text from both languages.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// Output language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// 中文.
    Zh,
    /// English.
    En,
    /// 中文, then English.
    Both,
}
