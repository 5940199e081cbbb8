//! Synthetic submissions: valid, varied facts files for any pack, for benchmarks and tests.
//!
//! Deterministic given a seed (a small xorshift generator; no clock, no global state): the same
//! pack, seed and index give the same bytes. Answers follow each question's type, options
//! (exclusive options alone), range and `past_event`; about one answer in twenty is 不清楚 and one
//! in sixteen is left blank (answers hidden by `ask_when` are dropped), so batches see every outcome. Credit codes carry a valid check
//! character; about one organisation in twenty submits twice (a later assessment date), so
//! duplicate handling is exercised too. Region codes are six-digit codes under a few
//! prefectures of the 23 (Heilongjiang) prefix; no place names are invented.

use chrono::{Days, NaiveDate};
use hegui_core::model::{DatePrecision, Pack, QType, Question};
use serde_json::{Map, Value as J, json};

/// A xorshift64* generator: small, fast, deterministic. Not for anything secret.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (any value; 0 is remapped).
    pub fn new(seed: u64) -> Self {
        let mut r = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
        if r.0 == 0 {
            r.0 = 0x2545_F491_4F6C_DD1D;
        }
        // Warm up so nearby seeds diverge.
        for _ in 0..4 {
            r.next();
        }
        r
    }

    /// The next 64 random bits.
    #[allow(clippy::should_implement_trait, reason = "not an iterator")]
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Syntax of the generated files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SynthFormat {
    /// `.json`
    Json,
    /// `.yaml`
    Yaml,
}

impl SynthFormat {
    /// File extension, without the dot.
    pub fn ext(self) -> &'static str {
        match self {
            SynthFormat::Json => "json",
            SynthFormat::Yaml => "yaml",
        }
    }
}

const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CODE_WEIGHTS: [u64; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const PREFECTURES: &[&str] = &["2301", "2302", "2306", "2308", "2310", "2312"];
const INDUSTRIES: &[&str] = &[
    "互联网信息服务",
    "网络新闻信息服务",
    "电子商务",
    "网络游戏",
    "在线教育",
    "网约车",
    "软件开发",
];

/// A valid unified social credit code for organisation number `n` (GB 32100 check character).
pub fn credit_code(n: u64) -> String {
    let mut chars: Vec<u8> = b"91230100".to_vec();
    let mut x = n;
    for _ in 0..9 {
        let i = (x % 31) as usize;
        chars.push(CODE_ALPHABET.get(i).copied().unwrap_or(b'0'));
        x /= 31;
    }
    let sum: u64 = chars
        .iter()
        .zip(CODE_WEIGHTS)
        .map(|(c, w)| CODE_ALPHABET.iter().position(|a| a == c).unwrap_or(0) as u64 * w)
        .sum();
    let check = ((31 - sum % 31) % 31) as usize;
    chars.push(CODE_ALPHABET.get(check).copied().unwrap_or(b'0'));
    String::from_utf8(chars).unwrap_or_default()
}

/// Submission number `index` of a synthetic batch made with `seed`, as a JSON value in the
/// facts schema.
pub fn facts_value(pack: &Pack, seed: u64, index: u64) -> J {
    let mut rng = Rng::new(seed.wrapping_mul(0x1000_0000_01B3) ^ index);
    // One organisation in twenty submits again: submission `index` repeats organisation
    // `index - 1` with a later date.
    let repeat = index > 0 && index % 20 == 19;
    let org = if repeat { index - 1 } else { index };
    let mut org_rng = Rng::new(seed ^ org.wrapping_mul(0x9E37_79B9));
    let base = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default();
    let mut date = base
        .checked_add_days(Days::new(org_rng.below(300)))
        .unwrap_or(base);
    if repeat {
        date = date.checked_add_days(Days::new(30)).unwrap_or(date);
    }
    let prefecture = PREFECTURES
        .get(org_rng.below(PREFECTURES.len() as u64) as usize)
        .copied()
        .unwrap_or("2301");
    let region = format!("{prefecture}{:02}", 2 + org_rng.below(8));
    let industry = INDUSTRIES
        .get(org_rng.below(INDUSTRIES.len() as u64) as usize)
        .copied()
        .unwrap_or("软件开发");
    let qn = &pack.questionnaire;
    let mut answers = Map::new();
    for entry in &qn.order {
        match entry {
            hegui_core::model::Entry::Question(q) => {
                if let Some(q) = qn.questions.get(*q)
                    && let Some(v) = answer(q, &mut rng, date)
                {
                    answers.insert(q.id.clone(), v);
                }
            }
            hegui_core::model::Entry::Group(g) => {
                let Some(group) = qn.groups.get(*g) else {
                    continue;
                };
                if rng.chance(8) {
                    continue;
                }
                let n = rng.below(4);
                let items: Vec<J> = (0..n)
                    .map(|i| {
                        let mut m = Map::new();
                        for qi in &group.members {
                            let Some(q) = qn.questions.get(*qi) else {
                                continue;
                            };
                            if group.item_key.as_deref() == Some(q.local_id.as_str()) {
                                m.insert(q.local_id.clone(), json!(format!("项目{}", i + 1)));
                            } else if let Some(v) = answer(q, &mut rng, date) {
                                m.insert(q.local_id.clone(), v);
                            }
                        }
                        J::Object(m)
                    })
                    .filter(|v| v.as_object().is_some_and(|m| !m.is_empty()))
                    .collect();
                answers.insert(group.id.clone(), J::Array(items));
            }
        }
    }
    let mut waivers = Vec::new();
    if rng.chance(10)
        && let Some(rule) = pack.rules.get(rng.below(pack.rules.len() as u64) as usize)
    {
        let expires = date
            .checked_add_days(Days::new(rng.below(200)))
            .and_then(|d| d.checked_sub_days(Days::new(60)))
            .unwrap_or(date);
        waivers.push(json!({
            "rule": rule.id, "justification": "已获主管部门书面同意延期整改",
            "approved_by": "王五", "expires": expires.to_string()
        }));
    }
    let mut root = Map::new();
    root.insert(
        "pack".into(),
        json!({"id": pack.meta.id, "version": pack.meta.version}),
    );
    root.insert(
        "organisation".into(),
        json!({
            "name": format!("合成测试企业{org:06}有限公司"),
            "credit_code": credit_code(org),
            "region_code": region,
            "industry": industry,
        }),
    );
    root.insert(
        "prepared_by".into(),
        json!({"name": "李四", "title": "合规专员"}),
    );
    root.insert("assessment_date".into(), json!(date.to_string()));
    root.insert("answers".into(), J::Object(answers));
    if !waivers.is_empty() {
        root.insert("waivers".into(), J::Array(waivers));
    }
    let mut v = J::Object(root);
    // Real questionnaires skip questions their `ask_when` hides: drop those answers.
    for _ in 0..4 {
        if !prune_hidden(pack, &mut v) {
            break;
        }
    }
    v
}

/// Removes answers to questions hidden by `ask_when` given the other answers; whether any was.
fn prune_hidden(pack: &Pack, v: &mut J) -> bool {
    use hegui_core::eval::{Env, Truth, truth};
    let text = v.to_string();
    let Ok(loaded) = hegui_core::facts::load_facts("synth.json", &text, pack) else {
        return false;
    };
    let facts = loaded.facts;
    let env = Env::new(pack, &facts);
    let qn = &pack.questionnaire;
    let mut hidden_top: Vec<String> = Vec::new();
    let mut hidden_items: Vec<(String, usize, String)> = Vec::new();
    for (i, q) in qn.questions.iter().enumerate() {
        if q.group.is_none()
            && facts.answers.get(i).is_some_and(Option::is_some)
            && q.ask_when
                .as_ref()
                .is_some_and(|c| truth(c, &env) == Truth::False)
        {
            hidden_top.push(q.id.clone());
        }
    }
    for (g, group) in qn.groups.iter().enumerate() {
        let Some(Some(items)) = facts.groups.get(g) else {
            continue;
        };
        if group
            .ask_when
            .as_ref()
            .is_some_and(|c| truth(c, &env) == Truth::False)
        {
            hidden_top.push(group.id.clone());
            continue;
        }
        for (i, item) in items.iter().enumerate() {
            let ienv = env.with_item(g, i);
            for m in &group.members {
                let Some(q) = qn.questions.get(*m) else {
                    continue;
                };
                if item.answers.get(q.pos).is_some_and(Option::is_some)
                    && q.ask_when
                        .as_ref()
                        .is_some_and(|c| truth(c, &ienv) == Truth::False)
                {
                    hidden_items.push((group.id.clone(), i, q.local_id.clone()));
                }
            }
        }
    }
    let Some(answers) = v.get_mut("answers").and_then(J::as_object_mut) else {
        return false;
    };
    let changed = !hidden_top.is_empty() || !hidden_items.is_empty();
    for id in hidden_top {
        answers.remove(&id);
    }
    for (g, i, local) in hidden_items {
        if let Some(item) = answers
            .get_mut(&g)
            .and_then(J::as_array_mut)
            .and_then(|a| a.get_mut(i))
            .and_then(J::as_object_mut)
        {
            item.remove(&local);
        }
    }
    changed
}

fn answer(q: &Question, rng: &mut Rng, date: NaiveDate) -> Option<J> {
    let roll = rng.below(100);
    if roll < 6 {
        return None;
    }
    if roll < 11 {
        return Some(json!("不清楚"));
    }
    Some(match q.qtype {
        QType::YesNo => J::Bool(rng.chance(75)),
        QType::SingleChoice => {
            let o = q.options.get(rng.below(q.options.len() as u64) as usize)?;
            json!(o.id)
        }
        QType::MultipleChoice => {
            let exclusive: Vec<&str> = q
                .options
                .iter()
                .filter(|o| o.exclusive)
                .map(|o| o.id.as_str())
                .collect();
            if !exclusive.is_empty() && rng.chance(10) {
                let i = rng.below(exclusive.len() as u64) as usize;
                return Some(json!([exclusive.get(i)?]));
            }
            let picked: Vec<&str> = q
                .options
                .iter()
                .filter(|o| !o.exclusive)
                .filter(|_| rng.chance(60))
                .map(|o| o.id.as_str())
                .collect();
            json!(picked)
        }
        QType::Integer => {
            let lo = q.min.unwrap_or(0.0).max(-1.0e6) as i64;
            let hi = q.max.unwrap_or(36.0).min(1.0e6) as i64;
            let span = (hi - lo).max(0) as u64 + 1;
            json!(lo + rng.below(span) as i64)
        }
        QType::Decimal => {
            let lo = q.min.unwrap_or(0.0);
            let hi = q.max.unwrap_or(100.0);
            let x = lo + (hi - lo) * (rng.below(1001) as f64 / 1000.0);
            json!((x * 10.0).round() / 10.0)
        }
        QType::Date => {
            let back = rng.below(900);
            let d = date.checked_sub_days(Days::new(back)).unwrap_or(date);
            // Where the question takes a month, about one answer in seven gives only the month
            // (drawn from the same number, so the other answers stay as they were).
            let s = d.to_string();
            match (q.precision, s.get(..7)) {
                (DatePrecision::Month | DatePrecision::Year, Some(month)) if back % 7 == 3 => {
                    json!(month)
                }
                _ => json!(s),
            }
        }
        QType::Text => json!(format!("{}的说明", q.local_id)),
    })
}

/// Submission `index` as file text in `format`.
pub fn facts_text(pack: &Pack, seed: u64, index: u64, format: SynthFormat) -> String {
    let v = facts_value(pack, seed, index);
    match format {
        SynthFormat::Json => {
            let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
            s.push('\n');
            s
        }
        SynthFormat::Yaml => hegui_core::facts::write::yaml_from_json(&v),
    }
}

/// File name of submission `index` (zero-padded so names sort in index order).
pub fn file_name(index: u64, format: SynthFormat) -> String {
    format!("submission-{index:07}.{}", format.ext())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_are_valid_and_distinct() {
        let a = credit_code(0);
        let b = credit_code(12345);
        assert_ne!(a, b);
        assert_eq!(hegui_core::facts::credit_code_ok(&a), Ok(()));
        assert_eq!(hegui_core::facts::credit_code_ok(&b), Ok(()));
    }

    #[test]
    fn yaml_plain_scalars_are_safe() {}
}
