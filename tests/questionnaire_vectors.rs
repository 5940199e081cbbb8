//! Shared condition test vectors: the HTML form's JavaScript evaluator (`templates/
//! questionnaire-eval.js`) is a second implementation of the engine's semantics, so both are
//! held to the same cases. This test generates `tests/browser/vectors.json` from the Rust
//! evaluator — every `ask_when`, `applies_when`, `check` and scope condition of the shipped pack
//! and of the demo pack, over a spread of generated answers — and fails if the committed file
//! differs (regenerate with `HEGUI_WRITE_VECTORS=1 cargo test --test questionnaire_vectors`).
//! `tests/browser/eval.test.js` runs the same file through the page's evaluator.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

use hegui_core::eval::{Env, Truth, truth};
use hegui_core::facts::{Facts, load_facts};
use hegui_core::load::{PackFiles, load_pack};
use hegui_core::model::{Condition, DatePrecision, GIdx, Operand, Pack, QType, Question, Value};
use hegui_report::questionnaire::condition_json;
use serde_json::{Value as J, json};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn packs() -> Vec<Pack> {
    let shipped = hegui_packs::pack_files("hlj-2017-mobile-internet").unwrap();
    let demo = PackFiles::from_dir(&root().join("tests/data/demo")).unwrap();
    vec![
        load_pack(&shipped).unwrap().pack,
        load_pack(&demo).unwrap().pack,
    ]
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> Option<&'a T> {
        v.get(self.below(v.len() as u64) as usize)
    }
}

/// Named conditions of a pack, with the group whose item is current (member `ask_when`).
fn conditions(pack: &Pack) -> Vec<(String, Option<GIdx>, &Condition)> {
    let qn = &pack.questionnaire;
    let mut out = Vec::new();
    for q in &qn.questions {
        if let Some(c) = &q.ask_when {
            out.push((format!("question {} ask_when", q.id), q.group, c));
        }
    }
    for g in &qn.groups {
        if let Some(c) = &g.ask_when {
            out.push((format!("group {} ask_when", g.id), None, c));
        }
    }
    for r in &pack.rules {
        if let Some(c) = &r.applies_when {
            out.push((format!("rule {} applies_when", r.id), None, c));
        }
        out.push((format!("rule {} check", r.id), None, &r.check));
    }
    for s in &pack.scopes {
        out.push((format!("scope {} when", s.id), None, &s.when));
    }
    out
}

/// Literal values each question is compared with, to put answers on the boundaries.
fn literals(pack: &Pack) -> BTreeMap<usize, Vec<Value>> {
    let mut out: BTreeMap<usize, Vec<Value>> = BTreeMap::new();
    for (_, _, c) in conditions(pack) {
        let mut leaves = Vec::new();
        c.leaves(&mut leaves);
        for l in leaves {
            if let Operand::Literal(v) = &l.rhs {
                out.entry(l.lhs.q).or_default().push(v.clone());
            }
        }
    }
    out
}

fn value(
    q: &Question,
    qi: usize,
    lits: &BTreeMap<usize, Vec<Value>>,
    date: chrono::NaiveDate,
    rng: &mut Rng,
) -> J {
    let lit = lits.get(&qi).and_then(|v| rng.pick(v)).cloned();
    let use_lit = rng.below(2) == 0;
    match q.qtype {
        QType::YesNo => J::Bool(rng.below(2) == 0),
        QType::SingleChoice => {
            let i = match (use_lit, lit) {
                (true, Some(Value::Choice(i))) => i,
                _ => rng.below(q.options.len() as u64) as usize,
            };
            json!(q.options[i].id)
        }
        QType::MultipleChoice => {
            let mut ids: Vec<&str> = Vec::new();
            for o in &q.options {
                if !o.exclusive && rng.below(3) == 0 {
                    ids.push(&o.id);
                }
            }
            if ids.is_empty() || rng.below(8) == 0 {
                ids = vec![
                    q.options[rng.below(q.options.len() as u64) as usize]
                        .id
                        .as_str(),
                ];
            }
            json!(ids)
        }
        QType::Integer => {
            let base = match (use_lit, lit) {
                (true, Some(Value::Int(i))) => i + rng.below(3) as i64 - 1,
                _ => rng.below(25) as i64,
            };
            let lo = q.min.map(|m| m as i64).unwrap_or(i64::MIN);
            let hi = q.max.map(|m| m as i64).unwrap_or(i64::MAX);
            json!(base.clamp(lo, hi))
        }
        QType::Decimal => {
            let base = match (use_lit, lit) {
                (true, Some(Value::Decimal(x))) => x + (rng.below(3) as f64 - 1.0) * 0.5,
                _ => rng.below(50) as f64 / 2.0,
            };
            let lo = q.min.unwrap_or(f64::MIN);
            let hi = q.max.unwrap_or(f64::MAX);
            json!(base.clamp(lo, hi))
        }
        QType::Date => {
            let d = match (use_lit, lit) {
                (true, Some(Value::Date(d))) => {
                    d + chrono::Days::new(rng.below(3)) - chrono::Days::new(1)
                }
                _ => date - chrono::Days::new(rng.below(900)),
            };
            let d = if q.past_event && d > date { date } else { d };
            // Where the question allows it, a month or a year (S26): near a literal, these
            // give unknown comparisons as well as decided ones.
            let s = d.to_string();
            match (q.precision, rng.below(3)) {
                (DatePrecision::Month | DatePrecision::Year, 0) => json!(&s[..7]),
                (DatePrecision::Year, 1) => json!(&s[..4]),
                _ => json!(s),
            }
        }
        QType::Text => match (use_lit, lit) {
            (true, Some(Value::Text(t))) => json!(t),
            _ => json!(["甲", "乙", "x"][rng.below(3) as usize]),
        },
    }
}

fn answer(
    q: &Question,
    qi: usize,
    lits: &BTreeMap<usize, Vec<Value>>,
    date: chrono::NaiveDate,
    rng: &mut Rng,
) -> Option<J> {
    let v = match rng.below(10) {
        0 | 1 => return None,
        2 => json!("不清楚"),
        _ => value(q, qi, lits, date, rng),
    };
    Some(match rng.below(12) {
        0 if v == json!("不清楚") => json!({"dont_know": true, "remark": "备注"}),
        0 => json!({"value": v, "remark": "备注"}),
        _ => v,
    })
}

fn facts_doc(pack: &Pack, seed: u64) -> J {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let lits = literals(pack);
    let dates = ["2026-03-10", "2026-06-30", "2025-12-15"];
    let date_s = dates[rng.below(3) as usize];
    let date = hegui_core::model::condition::parse_date(date_s).unwrap();
    let qn = &pack.questionnaire;
    let mut answers = serde_json::Map::new();
    for (qi, q) in qn.questions.iter().enumerate() {
        if q.group.is_some() {
            continue;
        }
        if let Some(a) = answer(q, qi, &lits, date, &mut rng) {
            answers.insert(q.id.clone(), a);
        }
    }
    for g in &qn.groups {
        match rng.below(8) {
            0 => continue,
            1 => {
                answers.insert(g.id.clone(), json!([]));
            }
            _ => {
                let n = 1 + rng.below(3);
                let items: Vec<J> = (0..n)
                    .map(|_| {
                        let mut item = serde_json::Map::new();
                        for m in &g.members {
                            let q = &qn.questions[*m];
                            if let Some(a) = answer(q, *m, &lits, date, &mut rng) {
                                item.insert(q.local_id.clone(), a);
                            }
                        }
                        if item.is_empty() {
                            let q = &qn.questions[g.members[0]];
                            item.insert(
                                q.local_id.clone(),
                                value(q, g.members[0], &lits, date, &mut rng),
                            );
                        }
                        J::Object(item)
                    })
                    .collect();
                answers.insert(g.id.clone(), J::Array(items));
            }
        }
    }
    json!({
        "pack": {"id": pack.meta.id, "version": pack.meta.version},
        "organisation": {"name": "向量"},
        "assessment_date": date_s,
        "answers": answers,
    })
}

const FACTS_PER_PACK: u64 = 60;

fn generate() -> J {
    let mut out = Vec::new();
    for pack in packs() {
        let mut pool: Vec<Facts> = Vec::new();
        let mut seed = 0;
        while (pool.len() as u64) < FACTS_PER_PACK {
            seed += 1;
            assert!(seed < FACTS_PER_PACK * 20, "too few generated facts load");
            let doc = facts_doc(&pack, seed);
            if let Ok(l) = load_facts("v.json", &doc.to_string(), &pack) {
                pool.push(l.facts);
            }
        }
        let facts: Vec<J> = pool
            .iter()
            .map(|f| {
                json!({
                    "assessment_date": f.assessment_date.to_string(),
                    "answers": hegui_core::facts::write::facts_json(&pack, f)["answers"],
                })
            })
            .collect();
        let conds: Vec<J> = conditions(&pack)
            .into_iter()
            .map(|(name, group, c)| {
                let expect: Vec<J> = pool
                    .iter()
                    .map(|f| {
                        let env = Env::new(&pack, f);
                        match group {
                            None => json!(truth(c, &env)),
                            Some(g) => {
                                let n = f.groups[g].as_ref().map_or(0, Vec::len);
                                json!(
                                    (0..n)
                                        .map(|i| truth(c, &env.with_item(g, i)))
                                        .collect::<Vec<Truth>>()
                                )
                            }
                        }
                    })
                    .collect();
                json!({
                    "name": name,
                    "group": group.map(|g| pack.questionnaire.groups[g].id.clone()),
                    "condition": condition_json(&pack, c),
                    "expect": expect,
                })
            })
            .collect();
        out.push(json!({"pack": pack.meta.id, "facts": facts, "conditions": conds}));
    }
    json!({
        "about": "Generated by tests/questionnaire_vectors.rs from the Rust evaluator; checked by tests/browser/eval.test.js against templates/questionnaire-eval.js. Regenerate: HEGUI_WRITE_VECTORS=1 cargo test --test questionnaire_vectors",
        "packs": out,
    })
}

fn counts(v: &J) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    let mut walk = vec![v];
    while let Some(x) = walk.pop() {
        match x {
            J::String(s) => *m.entry(s.clone()).or_insert(0) += 1,
            J::Array(a) => walk.extend(a.iter()),
            _ => {}
        }
    }
    m
}

#[test]
fn shared_condition_vectors_match_the_rust_evaluator() {
    let generated = generate();
    let path = root().join("tests/browser/vectors.json");
    let text = format!("{}\n", serde_json::to_string(&generated).unwrap());
    if std::env::var_os("HEGUI_WRITE_VECTORS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed: J = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        committed == generated,
        "tests/browser/vectors.json is not what the Rust evaluator gives now; if the change is intended, regenerate it with HEGUI_WRITE_VECTORS=1 cargo test --test questionnaire_vectors and run the node tests"
    );
    // The vectors exercise every truth value, in plain and item conditions.
    for p in committed["packs"].as_array().unwrap() {
        let conds = p["conditions"].as_array().unwrap();
        assert!(
            conds.iter().any(|c| !c["group"].is_null()),
            "member ask_when present"
        );
        let mut all = BTreeMap::new();
        for c in conds {
            for (k, n) in counts(&c["expect"]) {
                *all.entry(k).or_insert(0) += n;
            }
        }
        for t in ["true", "false", "unknown"] {
            assert!(
                all.get(t).copied().unwrap_or(0) > 50,
                "{}: {all:?}",
                p["pack"]
            );
        }
        // Most conditions see more than one outcome.
        let varied = conds
            .iter()
            .filter(|c| counts(&c["expect"]).len() > 1)
            .count();
        assert!(
            varied * 10 >= conds.len() * 8,
            "{}: {varied} of {}",
            p["pack"],
            conds.len()
        );
    }
}
