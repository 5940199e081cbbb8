//! hegui-report: what a person reads. Gap reports (Markdown and HTML through minijinja
//! templates), blank questionnaires (YAML, Markdown, the offline HTML form) and the change
//! report of `hegui diff`, over the result model of `hegui-core`. Templates are data: the
//! embedded ones come from the workspace's `templates/`, and a directory of custom templates
//! overrides them by name.
#![warn(missing_docs)]

pub mod diff;
pub mod questionnaire;
pub mod render;
pub mod show;
pub mod templates;
