//! One enterprise's answers as typed data: [`Facts`] (answers by question, organisation,
//! waivers) as the facts loader ([`crate::facts`]) produces them and the evaluator reads them.
//! Kept below the evaluator so that loading facts may use it (the hidden-answer warnings).

pub mod write;

use crate::model::Value;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The facts format version of files listing several packs (docs/FACTS-FORMAT.md); version 1
/// has no `format`.
pub const FACTS_FORMAT: &str = "hegui.facts/2";

/// Words that mean "don't know" (不清楚) for any question.
pub const DONT_KNOW_WORDS: &[&str] = &["不清楚", "dont_know"];

/// Which pack the answers were given for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackRef {
    /// Pack id.
    pub id: String,
    /// Pack version answered.
    pub version: String,
    /// Digest of the questionnaire answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questionnaire_digest: Option<String>,
}

/// A contact.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "code_text"
    )]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The organisation assessed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Registered name.
    pub name: String,
    /// Unified social credit code (统一社会信用代码).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "code_text"
    )]
    pub credit_code: Option<String>,
    /// Administrative division code (行政区划代码), six digits.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "code_text"
    )]
    pub region_code: Option<String>,
    /// Industry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    /// Contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

/// Reads a code written as text or, unquoted, as a whole number (`region_code: 230103`).
fn code_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a code as text")
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.trim().to_string()).filter(|s| !s.is_empty()))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// A person.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Name.
    pub name: String,
    /// Position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A piece of evidence attached to an answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// What it is.
    pub title: String,
    /// Where to find it (document number, file, URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Its date.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_evidence_date"
    )]
    pub date: Option<NaiveDate>,
}

/// A waiver: an accepted, time-boxed exception for one rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Rule id.
    pub rule: String,
    /// Why.
    pub justification: String,
    /// Who approved it.
    pub approved_by: String,
    /// Last day it applies (inclusive).
    #[serde(deserialize_with = "de_expires")]
    pub expires: NaiveDate,
    /// The pack of the rule (facts/2); needed when the rule id exists in two packs assessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack: Option<String>,
}

/// What an answer says.
#[derive(Clone, Debug, PartialEq)]
pub enum AnswerState {
    /// 不清楚: evaluates like unanswered, reported on its own.
    DontKnow,
    /// A value of the question's type.
    Value(Value),
}

/// An answer with its remark and evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The answer.
    pub state: AnswerState,
    /// A remark.
    pub remark: Option<String>,
    /// Evidence.
    pub evidence: Vec<Evidence>,
}

/// One item of a repeatable group.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// Answers by member position.
    pub answers: Vec<Option<Answer>>,
    /// How the item is named in findings.
    pub label: String,
}

/// One enterprise's answers, validated against a pack.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    /// Pack answered.
    pub pack: PackRef,
    /// Organisation.
    pub organisation: Organisation,
    /// Who prepared the answers.
    pub prepared_by: Option<Person>,
    /// Who answers for them.
    pub responsible_person: Option<Person>,
    /// Date the assessment refers to.
    pub assessment_date: NaiveDate,
    /// Top-level answers by question index (`None`: unanswered).
    pub answers: Vec<Option<Answer>>,
    /// Group items by group index (`None`: the group is unanswered).
    pub groups: Vec<Option<Vec<Item>>>,
    /// Waivers.
    pub waivers: Vec<Waiver>,
    /// Every pack the header lists (`packs`, or `pack` as a list of one), in order.
    pub packs: Vec<PackRef>,
    /// Answers ignored because they belong to a pack the header lists but that was not
    /// loaded: their question ids.
    pub ignored_answers: Vec<String>,
}

impl Facts {
    /// Whether the header lists pack `id` (the answers were given for it).
    pub fn answered_for(&self, id: &str) -> bool {
        self.packs.iter().any(|p| p.id == id) || (self.packs.is_empty() && self.pack.id == id)
    }
}

fn de_expires<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    crate::model::condition::deserialize_date(d, "expires")
}

fn de_evidence_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    #[derive(Deserialize)]
    struct EvidenceDate(#[serde(deserialize_with = "evidence_date")] NaiveDate);
    fn evidence_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        crate::model::condition::deserialize_date(d, "date")
    }
    Ok(Option::<EvidenceDate>::deserialize(d)?.map(|x| x.0))
}
