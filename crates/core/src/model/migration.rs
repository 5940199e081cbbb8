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
    /// One target (the same id) or, for `split` and `each`, several.
    pub targets: Vec<Target>,
    /// `each`: the old question is a top-level one and its targets are members of groups; its
    /// one answer goes to every item of those groups (fan-out).
    pub each: bool,
    /// Where the entry is written.
    pub loc: Loc,
}

/// A group of the old version whose items move into a group of the new version (`groups:`
/// in the map): the items keep their members' answers under the same member ids unless an
/// entry for `old[*].member` says otherwise, and the members `ask` names are asked again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupMove {
    /// The old group's id.
    pub old: String,
    /// The new group its items go to (the same id when `into` is not given).
    pub into: String,
    /// Members of the new group asked again in every moved item (written unanswered).
    pub ask: Vec<String>,
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
    /// Groups whose items move into another group (or whose items get members asked again).
    pub groups: Vec<GroupMove>,
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

    /// The new group the items of old group `old` go to: `into` when the map moves it, else
    /// the same id.
    pub fn group_into<'a>(&'a self, old: &'a str) -> &'a str {
        self.groups
            .iter()
            .find(|g| g.old == old)
            .map_or(old, |g| g.into.as_str())
    }

    /// The old groups whose items go to new group `new`, in order: `new` itself first (unless
    /// the map moves it elsewhere), then the groups the map moves into it, in file order.
    pub fn groups_into<'a>(&'a self, new: &'a str) -> Vec<&'a str> {
        let mut out = Vec::new();
        if self.group_into(new) == new {
            out.push(new);
        }
        for g in &self.groups {
            if g.into == new && g.old != new {
                out.push(g.old.as_str());
            }
        }
        out
    }

    /// The id old question `old_id` has in the new version when nothing renames it: a member of
    /// a moved group becomes the member of the same id in the group it moves into.
    pub fn same_id_in_new(&self, old_id: &str) -> String {
        match old_id.split_once("[*].") {
            Some((g, m)) => format!("{}[*].{m}", self.group_into(g)),
            None => old_id.to_string(),
        }
    }

    /// The fan-out entry (`each`) and target that give group member `new_id` its answer.
    pub fn each_target(&self, new_id: &str) -> Option<(&MapEntry, &Target)> {
        self.entries.iter().filter(|e| e.each).find_map(|e| {
            e.targets
                .iter()
                .find(|t| t.new_id == new_id)
                .map(|t| (e, t))
        })
    }

    /// The entry and target that give member `new_id` its answer in an item that came from old
    /// group `from_group` (fan-out entries excluded).
    pub fn member_target(&self, new_id: &str, from_group: &str) -> Option<(&MapEntry, &Target)> {
        self.entries
            .iter()
            .filter(|e| !e.each && group_of(&e.old_id) == Some(from_group))
            .find_map(|e| {
                e.targets
                    .iter()
                    .find(|t| t.new_id == new_id)
                    .map(|t| (e, t))
            })
    }
}

/// The group part of a member id (`sites` for `sites[*].filed`), if any.
pub fn group_of(id: &str) -> Option<&str> {
    id.split_once("[*].").map(|(g, _)| g)
}
