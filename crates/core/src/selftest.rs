//! Rule self-tests (`hegui test`): each pack proves its rules on cases it ships.
//!
//! A case gives answers and the expected outcome of one or more rules. Beyond running them,
//! the runner checks that every rule has a `pass`, a `fail` and an `unanswered` case (and a
//! `not_applicable` case when it has `applies_when`), and that every comparison matters: with
//! that comparison negated, some case of the rule must change outcome. A comparison no case
//! notices is dead or untested.

use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::eval::Env;
use crate::eval::assess::{Outcome, rule_outcome};
use crate::facts;
use crate::model::Pack;
use crate::syntax::node::{Key, Node, NodeKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Default assessment date of a test case.
pub const DEFAULT_DATE: &str = "2026-06-30";

/// A case that did not give the expected outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Mismatch {
    /// Test file.
    pub file: String,
    /// Where the expectation is.
    pub line: u32,
    /// Case name.
    pub case: String,
    /// Rule.
    pub rule: String,
    /// Expected.
    pub expected: Outcome,
    /// Got.
    pub actual: Outcome,
}

/// A comparison that no case notices.
#[derive(Clone, Debug, Serialize)]
pub struct Unexercised {
    /// Rule.
    pub rule: String,
    /// The comparison.
    pub condition: String,
    /// File.
    pub file: String,
    /// Line.
    pub line: u32,
}

/// What `hegui test` found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TestReport {
    /// Cases run.
    pub cases: usize,
    /// Expectations checked.
    pub expectations: usize,
    /// Expectations met.
    pub passed: usize,
    /// Expectations not met.
    pub mismatches: Vec<Mismatch>,
    /// Rules lacking a kind of case: (rule, missing outcomes).
    pub missing_kinds: Vec<(String, Vec<Outcome>)>,
    /// Comparisons no case notices.
    pub unexercised: Vec<Unexercised>,
    /// Problems in the test files themselves.
    pub errors: Vec<Diagnostic>,
}

impl TestReport {
    /// Whether everything passed.
    pub fn ok(&self) -> bool {
        self.mismatches.is_empty()
            && self.missing_kinds.is_empty()
            && self.unexercised.is_empty()
            && self.errors.is_empty()
    }
}

struct Case {
    name: String,
    file: String,
    facts: facts::Facts,
    expect: Vec<(String, Outcome, Loc)>,
}

fn key(name: &str, loc: Loc) -> Key {
    Key {
        name: name.to_string(),
        loc,
    }
}

fn text(s: &str, loc: Loc) -> Node {
    Node {
        kind: NodeKind::Str(s.to_string()),
        loc,
    }
}

/// Runs a pack's self-tests.
pub fn run(pack: &Pack) -> TestReport {
    let mut report = TestReport::default();
    let mut cases: Vec<Case> = Vec::new();
    let mut names = BTreeSet::new();
    for tf in &pack.tests {
        let file = format!("tests/{}", tf.path.trim_start_matches("tests/"));
        let mut d = Diagnostics::new(file.clone());
        let node = match crate::syntax::node::parse(&tf.text, crate::syntax::node::Format::Yaml) {
            Ok(n) => n,
            Err(e) => {
                d.error(e.loc, "", format!("invalid YAML: {}", e.message));
                report.errors.extend(d.into_vec());
                continue;
            }
        };
        let items: &[Node] = match (node.as_map(), node.get("cases").map(|n| &n.kind)) {
            (Some(m), Some(NodeKind::Seq(items))) if m.len() == 1 => items,
            _ => {
                d.error(
                    node.loc,
                    "",
                    "a test file is a mapping with one key, `cases`, holding a list",
                );
                report.errors.extend(d.into_vec());
                continue;
            }
        };
        for item in items {
            let Some(entries) = item.as_map() else {
                d.error(
                    item.loc,
                    "",
                    "a case is a mapping with name, answers, expect and optional assessment_date",
                );
                continue;
            };
            for (k, _) in entries {
                if !["name", "assessment_date", "answers", "expect"].contains(&k.name.as_str()) {
                    let help = crate::diag::did_you_mean(
                        &k.name,
                        ["name", "assessment_date", "answers", "expect"],
                    );
                    let dg = d.error(
                        k.loc,
                        "",
                        format!("unknown key `{}` in a test case", k.name),
                    );
                    if let Some(h) = help {
                        dg.help(h);
                    }
                }
            }
            let name = item
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string();
            let subject = format!("test case `{name}`");
            if name.is_empty() {
                d.error(item.loc, "", "a case needs a `name`");
                continue;
            }
            if !names.insert(name.clone()) {
                d.error(item.loc, &subject, "duplicate case name");
            }
            // Build a facts document around the answers and decode it like any facts file.
            let loc = item.loc;
            let date = item
                .get("assessment_date")
                .cloned()
                .unwrap_or_else(|| text(DEFAULT_DATE, loc));
            let answers = item.get("answers").cloned().unwrap_or(Node {
                kind: NodeKind::Null,
                loc,
            });
            let doc = Node {
                kind: NodeKind::Map(vec![
                    (
                        key("pack", loc),
                        Node {
                            kind: NodeKind::Map(vec![
                                (key("id", loc), text(&pack.meta.id, loc)),
                                (key("version", loc), text(&pack.meta.version, loc)),
                            ]),
                            loc,
                        },
                    ),
                    (
                        key("organisation", loc),
                        Node {
                            kind: NodeKind::Map(vec![(key("name", loc), text(&name, loc))]),
                            loc,
                        },
                    ),
                    (key("assessment_date", loc), date),
                    (key("answers", loc), answers),
                ]),
                loc,
            };
            let mut fd = Diagnostics::new(file.clone());
            let facts = facts::from_node(&doc, pack, &mut fd);
            for diag in fd.into_vec() {
                if diag.level == crate::diag::Level::Error {
                    let mut diag = diag;
                    if diag.subject.is_empty() {
                        diag.subject = subject.clone();
                    } else {
                        diag.subject = format!("{subject}: {}", diag.subject);
                    }
                    d.extend([diag]);
                }
            }
            let mut expect = Vec::new();
            match item.get("expect").and_then(Node::as_map) {
                Some(entries) if !entries.is_empty() => {
                    for (k, v) in entries {
                        if pack.rule(&k.name).is_none() {
                            let help = crate::diag::did_you_mean(
                                &k.name,
                                pack.rules.iter().map(|r| r.id.as_str()),
                            );
                            let dg = d.error(k.loc, &subject, format!("unknown rule `{}`", k.name));
                            if let Some(h) = help {
                                dg.help(h);
                            }
                            continue;
                        }
                        match v
                            .as_str()
                            .and_then(Outcome::parse)
                            .filter(|o| *o != Outcome::Waived)
                        {
                            Some(o) => expect.push((k.name.clone(), o, k.loc)),
                            None => {
                                d.error(v.loc, &subject, format!("expected outcome is pass, fail, not_applicable or unanswered, found {}", v.display()));
                            }
                        }
                    }
                }
                _ => {
                    d.error(item.loc, &subject, "`expect` maps rule ids to outcomes");
                }
            }
            if let Some(facts) = facts {
                cases.push(Case {
                    name,
                    file: file.clone(),
                    facts,
                    expect,
                });
            }
        }
        report.errors.extend(d.into_vec());
    }
    report.cases = cases.len();

    // Run every expectation.
    let mut kinds: BTreeMap<&str, BTreeSet<Outcome>> = BTreeMap::new();
    for case in &cases {
        let env = Env::new(pack, &case.facts);
        for (rule_id, expected, loc) in &case.expect {
            let Some(rule) = pack.rule(rule_id) else {
                continue;
            };
            report.expectations += 1;
            let actual = rule_outcome(rule, &env);
            kinds.entry(rule.id.as_str()).or_default().insert(*expected);
            if actual == *expected {
                report.passed += 1;
            } else {
                report.mismatches.push(Mismatch {
                    file: case.file.clone(),
                    line: loc.line,
                    case: case.name.clone(),
                    rule: rule_id.clone(),
                    expected: *expected,
                    actual,
                });
            }
        }
    }

    // Every rule needs each kind of case.
    for rule in &pack.rules {
        let have = kinds.get(rule.id.as_str()).cloned().unwrap_or_default();
        let mut need = vec![Outcome::Pass, Outcome::Fail, Outcome::Unanswered];
        if rule.applies_when.is_some() {
            need.push(Outcome::NotApplicable);
        }
        let missing: Vec<Outcome> = need.into_iter().filter(|o| !have.contains(o)).collect();
        if !missing.is_empty() {
            report.missing_kinds.push((rule.id.clone(), missing));
        }
    }

    // Every comparison must matter to some case.
    for rule in &pack.rules {
        let mut leaves = Vec::new();
        if let Some(a) = &rule.applies_when {
            a.leaves(&mut leaves);
        }
        rule.check.leaves(&mut leaves);
        for leaf in leaves {
            let noticed = cases.iter().any(|case| {
                case.expect.iter().any(|(id, _, _)| id == &rule.id) && {
                    let env = Env::new(pack, &case.facts);
                    rule_outcome(rule, &env) != rule_outcome(rule, &env.negating(Some(leaf.index)))
                }
            });
            if !noticed {
                report.unexercised.push(Unexercised {
                    rule: rule.id.clone(),
                    condition: leaf.text.clone(),
                    file: rule.file.clone(),
                    line: leaf.loc.line,
                });
            }
        }
    }
    report
}

/// Renders a report for people; the last line is `N passed, N failed`.
pub fn render(report: &TestReport, pack: &Pack) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for e in &report.errors {
        let _ = writeln!(s, "{e}");
    }
    for m in &report.mismatches {
        let _ = writeln!(
            s,
            "FAIL {}:{}: case `{}`: rule `{}` expected {}, got {}",
            m.file,
            m.line,
            m.case,
            m.rule,
            m.expected.name(),
            m.actual.name()
        );
    }
    for (rule, kinds) in &report.missing_kinds {
        let k: Vec<&str> = kinds.iter().map(|o| o.name()).collect();
        let _ = writeln!(s, "MISSING rule `{rule}` has no {} case", k.join(" / "));
    }
    for u in &report.unexercised {
        let _ = writeln!(
            s,
            "UNEXERCISED {}:{}: rule `{}`: no case notices `{}` (negating it changes no outcome)",
            u.file, u.line, u.rule, u.condition
        );
    }
    let failed = report.mismatches.len()
        + report.missing_kinds.len()
        + report.unexercised.len()
        + report.errors.len();
    let _ = writeln!(
        s,
        "pack {} {}: {} rules, {} cases, {} expectations",
        pack.meta.id,
        pack.meta.version,
        pack.rules.len(),
        report.cases,
        report.expectations
    );
    let _ = writeln!(s, "{} passed, {} failed", report.passed, failed);
    s
}
