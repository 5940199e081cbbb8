//! The JSON result (`docs/RESULT.md`): the contract other programs and later commands read.

use crate::answers::Facts;
use crate::eval::assess::{
    AssessOptions, Assessment, FORMAT, IgnoredAnswers, OrgInfo, PackRef, answers_digest,
    assess_pack,
};
use crate::load::set::PackSet;

/// The JSON result of an assessment, pretty-printed, with a final newline.
pub fn json(a: &Assessment) -> String {
    let mut s =
        serde_json::to_string_pretty(a).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// Assesses one set of answers against every pack of `set` (read once against the set's
/// joint questionnaire: `set.view()`): one entry in `packs` per pack, in the order given, each
/// `answered` when the facts header lists it (a pack not answered is assessed with its own
/// questions unanswered: undecided, never N/A); `answered_for` is the header's list and
/// `ignored_answers` the answers for listed packs that were not assessed. `None` for an empty
/// set.
pub fn assess_set(set: &PackSet, facts: &Facts, opts: AssessOptions) -> Option<Assessment> {
    let view = set.view()?;
    let packs: Vec<_> = set
        .packs
        .iter()
        .map(|pack| {
            let mut p = assess_pack(pack, facts, opts);
            p.answered = facts.answered_for(&pack.meta.id);
            p
        })
        .collect();
    let listed: Vec<&crate::answers::PackRef> = if facts.packs.is_empty() {
        vec![&facts.pack]
    } else {
        facts.packs.iter().collect()
    };
    let unloaded: Vec<&&crate::answers::PackRef> = listed
        .iter()
        .filter(|r| set.pack(&r.id).is_none())
        .collect();
    let ignored_answers = if facts.ignored_answers.is_empty() || unloaded.is_empty() {
        Vec::new()
    } else {
        // The ignored ids cannot be told apart by pack (those packs are not loaded): one
        // entry names every listed pack not assessed.
        vec![IgnoredAnswers {
            pack: unloaded
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            version: unloaded
                .iter()
                .map(|r| r.version.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            questions: facts.ignored_answers.clone(),
        }]
    };
    let mut a = Assessment {
        format: FORMAT,
        organisation: OrgInfo::of(facts),
        assessment_date: facts.assessment_date,
        answers_digest: answers_digest(view, facts),
        waivers_ignored: opts.ignore_waivers,
        answered_for: listed
            .iter()
            .map(|r| PackRef {
                id: r.id.clone(),
                version: r.version.clone(),
            })
            .collect(),
        ignored_answers,
        verdict: crate::eval::score::Status::NoObligations,
        packs,
    };
    a.update_verdict();
    Some(a)
}
