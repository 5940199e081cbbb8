//! A pack's declared migrations from older versions, as compiled data: how each answer given
//! for an older version carries over (read and validated by `load::migration_map`).

use crate::diag::Loc;

/// How one answer is carried to one question of the new version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Carry {
    /// The answer is kept as it is (the wording was clarified; the meaning is unchanged).
    Carry,
    /// Each old option (or `true`/`false`) becomes the new option (or `true`/`false`) it maps
    /// to; an answer with an option the map does not list is asked again.
    Map(Vec<(String, String)>),
    /// The meaning changed: the answer is not carried; the question is asked again.
    Reask,
}

/// Where one question of the new version takes its answer from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The new question's full id (`sites[*].filed` for a group member).
    pub new_id: String,
    /// How.
    pub carry: Carry,
}

/// One entry of the map: an old question and the new question(s) its answer goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapEntry {
    /// The old question's full id.
    pub old_id: String,
    /// One target (the same id) or, for `split`, several.
    pub targets: Vec<Target>,
    /// Where the entry is written.
    pub loc: Loc,
}

/// A pack's declared migration from one older version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MigrationMap {
    /// The older version the answers were given for.
    pub from: String,
    /// The older version's questionnaire digest, if declared.
    pub questionnaire_digest: Option<String>,
    /// The entries, in file order.
    pub entries: Vec<MapEntry>,
    /// The file, as named in messages.
    pub file: String,
}

impl MigrationMap {
    /// The entry and target that give new question `new_id` its answer, if the map names it.
    pub fn target(&self, new_id: &str) -> Option<(&MapEntry, &Target)> {
        self.entries.iter().find_map(|e| {
            e.targets
                .iter()
                .find(|t| t.new_id == new_id)
                .map(|t| (e, t))
        })
    }

    /// Whether the map names old question `old_id`.
    pub fn names_old(&self, old_id: &str) -> bool {
        self.entries.iter().any(|e| e.old_id == old_id)
    }
}

/// The group part of a member id (`sites` for `sites[*].filed`), if any.
pub fn group_of(id: &str) -> Option<&str> {
    id.split_once("[*].").map(|(g, _)| g)
}
