//! `hegui campaign`: a thin shell over `hegui-campaign` (issue #21, docs/CAMPAIGN.md).

use super::ui::note;
use super::{Exit, fail};
use clap::{Args, Subcommand};
use hegui_campaign::{self as campaign, Campaign};
use hegui_core::text::Lang;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub(super) struct CampaignArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Create a campaign from a roster (CSV or xlsx) and pin round 1's pack (新建活动).
    #[command(
        after_help = "Roster columns (zh or en header): 统一社会信用代码/credit_code, 单位名称/name, 行政区划代码/region_code, 行业/industry, 联系人/contact_name, 联系电话/contact_phone, 电子邮箱/contact_email.\nCSV in UTF-8 (with or without BOM) or GB18030; xlsx: the first sheet.\n\nExample:\n  hegui campaign init 2026自查 --roster 名单.csv --pack hlj-2017-mobile-internet --due 2026-12-31"
    )]
    Init {
        /// Campaign directory (created 0700).
        dir: PathBuf,
        /// The roster (CSV or xlsx).
        #[arg(long, value_name = "FILE")]
        roster: PathBuf,
        /// Pack: ID, ID@VERSION (embedded) or a pack directory. Default: the embedded default pack.
        #[arg(long, value_name = "ID[@VERSION]")]
        pack: Vec<String>,
        /// Round 1's due date (YYYY-MM-DD): later submissions are flagged late.
        #[arg(long, value_name = "DATE")]
        due: Option<chrono::NaiveDate>,
        /// Round 1's rectification deadline, printed in notices (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        rectify_by: Option<chrono::NaiveDate>,
        /// Who runs this (audit log; default: the login name).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Write each organisation's questionnaire with a new submission key (发放问卷).
    #[command(
        after_help = "Writes DIR/invitations/round-N/<credit code or roster id>.{xlsx,html,yaml}, owner-only.\nRe-inviting issues new keys and revokes the old ones. --shared writes one blank questionnaire and keys.csv for mail merge.\n\nExample:\n  hegui campaign invite 2026自查\n  hegui campaign invite 2026自查 --only 91230100MA1B2C3D4E --format xlsx\n  hegui campaign invite 2026自查 --shared"
    )]
    Invite {
        /// Campaign directory.
        dir: PathBuf,
        /// Forms to write (repeatable): xlsx, html, yaml. Default: all three.
        #[arg(long, value_name = "FORM")]
        format: Vec<String>,
        /// Only these organisations (credit code or roster id; repeatable).
        #[arg(long, value_name = "ORG")]
        only: Vec<String>,
        /// One shared questionnaire and a key list (keys.csv) instead of one set per organisation.
        #[arg(long)]
        shared: bool,
        /// The assessment date the questionnaires start from (default today).
        #[arg(long, value_name = "DATE")]
        date: Option<chrono::NaiveDate>,
        /// Questionnaire language.
        #[arg(long, value_parser = crate::cli::choice::lang(), default_value = "zh")]
        lang: Lang,
        /// Who runs this (audit log).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Receive every file of the inboxes into the current round (收取答卷).
    #[command(
        after_help = "The same inbox walk and workbook reader as `hegui batch`. Each file is stored once (by its SHA-256); re-collecting adds nothing. Files are tied to an organisation only by the submission key of its invitation; without a key (or with another round's) they are kept as unmatched.\n\nExample:\n  hegui campaign collect 2026自查 收件箱/"
    )]
    Collect {
        /// Campaign directory.
        dir: PathBuf,
        /// Inboxes: files, directories (walked) or quoted globs.
        #[arg(required = true, value_name = "INBOX")]
        inboxes: Vec<String>,
        /// Who runs this (recorded with the collect).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// The roster against what arrived: answered, missing, rejected, unmatched, late (报送状态).
    #[command(
        after_help = "Also writes status.csv, status.xlsx, status.html and reminders.csv (who still has to answer, with contacts) to DIR/status/round-N (or --out).\n\nExample:\n  hegui campaign status 2026自查"
    )]
    Status {
        /// Campaign directory.
        dir: PathBuf,
        /// Round (default: the current one).
        #[arg(long)]
        round: Option<i64>,
        /// Output directory for the files.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// The round's overview from the store: summary.json/csv/xlsx, overview.html (汇总报告).
    #[command(after_help = "Example:\n  hegui campaign report 2026自查")]
    Report {
        /// Campaign directory.
        dir: PathBuf,
        /// Round (default: the current one).
        #[arg(long)]
        round: Option<i64>,
        /// Output directory (default DIR/report/round-N).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Language of the overview.
        #[arg(long, value_parser = crate::cli::choice::lang(), default_value = "zh")]
        lang: Lang,
        /// Reference date (default today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Assign an unmatched submission to an organisation, with a reason (人工归属).
    #[command(
        after_help = "Example:\n  hegui campaign assign 2026自查 17 91230100MA1B2C3D4E --reason '邮件确认 confirmed by e-mail'"
    )]
    Assign {
        /// Campaign directory.
        dir: PathBuf,
        /// Submission id (from `status`).
        submission: i64,
        /// Credit code or roster id.
        org: String,
        /// Why (audit log).
        #[arg(long)]
        reason: String,
        /// Who (audit log).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Pin a submission as its organisation's current one in its round, with a reason (指定有效答卷).
    #[command(
        after_help = "Example:\n  hegui campaign pin 2026自查 12 --reason '单位来函说明以此为准'"
    )]
    Pin {
        /// Campaign directory.
        dir: PathBuf,
        /// Submission id.
        submission: i64,
        /// Why (audit log).
        #[arg(long)]
        reason: String,
        /// Who (audit log).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Open the next round, or set the current round's dates (轮次).
    #[command(
        after_help = "Example:\n  hegui campaign round 2026自查 new --due 2027-03-31\n  hegui campaign round 2026自查 set --rectify-by 2027-02-28"
    )]
    Round {
        /// Campaign directory.
        dir: PathBuf,
        /// `new` (open the next round) or `set` (the current round's dates).
        #[arg(value_parser = ["new", "set"])]
        what: String,
        /// Pack of the new round (default: the previous round's).
        #[arg(long, value_name = "ID[@VERSION]")]
        pack: Vec<String>,
        /// Due date.
        #[arg(long, value_name = "DATE")]
        due: Option<chrono::NaiveDate>,
        /// Rectification deadline (notices).
        #[arg(long, value_name = "DATE")]
        rectify_by: Option<chrono::NaiveDate>,
        /// Who (audit log).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Compare a round with the one before: fixed, still failing, regressed, new (整改对比).
    #[command(
        after_help = "Changes due to the pack (a rule added, removed or changed) are kept apart from changes in the answers. Writes compare.json and compare.csv to DIR/compare/round-N.\n\nExample:\n  hegui campaign compare 2026自查"
    )]
    Compare {
        /// Campaign directory.
        dir: PathBuf,
        /// Round (default: the current one).
        #[arg(long)]
        round: Option<i64>,
    },
    /// Rectification reminders for organisations whose answers fail required duties (整改提示).
    #[command(
        after_help = "Markdown and HTML (and Word with --format docx) per organisation in DIR/notices/round-N, from templates/notice.md.j2 and notice.html.j2; the Word notice is branded by word.yaml in --templates, as the Word report.\n\nExample:\n  hegui campaign notices 2026自查 --authority '某市网信办' --doc-number '某网信〔2026〕1号' --date 2026-12-15\n  hegui campaign notices 2026自查 --format docx --templates 品牌"
    )]
    Notices {
        /// Campaign directory.
        dir: PathBuf,
        /// Round (default: the current one).
        #[arg(long)]
        round: Option<i64>,
        /// Forms (repeatable or comma-separated): markdown, html, docx. Default: markdown and html.
        #[arg(long, value_name = "FORM")]
        format: Vec<String>,
        /// Directory with word.yaml (branding of the Word notices).
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        /// Issuing authority.
        #[arg(long)]
        authority: Option<String>,
        /// Document number (文号).
        #[arg(long)]
        doc_number: Option<String>,
        /// Date of issue.
        #[arg(long)]
        date: Option<String>,
        /// Signature block.
        #[arg(long)]
        signature: Option<String>,
    },
    /// Delete what was received before a date (retention is the regulator's decision) (清理).
    #[command(after_help = "Example:\n  hegui campaign purge 2026自查 --before 2030-01-01")]
    Purge {
        /// Campaign directory.
        dir: PathBuf,
        /// Delete submissions received before this date.
        #[arg(long, value_name = "DATE")]
        before: chrono::NaiveDate,
        /// Who (audit log).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
}

fn open(dir: &std::path::Path, write: bool) -> Result<Campaign, Exit> {
    Campaign::open(dir, write).map_err(fail)
}

fn forms(list: &[String]) -> Result<Vec<campaign::invite::Form>, Exit> {
    use campaign::invite::Form;
    if list.is_empty() {
        return Ok(vec![Form::Xlsx, Form::Html, Form::Yaml]);
    }
    list.iter()
        .flat_map(|s| s.split(','))
        .map(|s| match s.trim() {
            "xlsx" => Ok(Form::Xlsx),
            "html" => Ok(Form::Html),
            "yaml" => Ok(Form::Yaml),
            other => Err(fail(format!(
                "未知格式 `{other}` / unknown form `{other}` (xlsx, html, yaml)"
            ))),
        })
        .collect()
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

pub(super) fn run_campaign(args: CampaignArgs) -> Result<u8, Exit> {
    match args.action {
        Action::Init {
            dir,
            roster,
            pack,
            due,
            rectify_by,
            by,
        } => {
            let actor = campaign::actor(by.as_deref());
            let n = campaign::init(
                &dir,
                &campaign::InitOptions {
                    roster: &roster,
                    packs: &pack,
                    due,
                    rectify_by,
                    actor: &actor,
                },
            )
            .map_err(|errors| {
                for e in &errors {
                    super::ui::error(None, e);
                }
                Exit(2)
            })?;
            println!(
                "活动已建立：{n} 个单位，第 1 轮 / campaign created: {n} organisations, round 1 ({})",
                dir.join(campaign::DB_FILE).display()
            );
            Ok(0)
        }
        Action::Invite {
            dir,
            format,
            only,
            shared,
            date,
            lang,
            by,
        } => {
            let mut c = open(&dir, true)?;
            let opts = campaign::invite::InviteOptions {
                forms: forms(&format)?,
                shared,
                only,
                date: date.unwrap_or_else(today),
                lang,
            };
            let done = campaign::invite::invite(&mut c, &opts, &campaign::actor(by.as_deref()))
                .map_err(fail)?;
            println!(
                "已为 {} 个单位生成问卷和新报送码 / invitations with new submission keys for {} organisations: {}",
                done.organisations,
                done.organisations,
                done.dir.display()
            );
            Ok(0)
        }
        Action::Collect { dir, inboxes, by } => {
            let mut c = open(&dir, true)?;
            let got = campaign::collect(
                &mut c,
                &inboxes,
                &campaign::actor(by.as_deref()),
                &super::limits(),
            )
            .map_err(fail)?;
            for (path, why) in &got.problems {
                note(&format!("{path}: {why}"));
            }
            println!(
                "收到 found {} · 已收过 already received {} · 接收 accepted {} · 退回 rejected {} · 未匹配 unmatched {}",
                got.found, got.already, got.accepted, got.rejected, got.unmatched
            );
            Ok(0)
        }
        Action::Status { dir, round, out } => {
            let c = open(&dir, false)?;
            let (r, _) = campaign::status::round_of(&c, round).map_err(fail)?;
            let out = out.unwrap_or_else(|| dir.join("status").join(format!("round-{r}")));
            let (s, _) = campaign::output::write_status(&c, Some(r), &out, |u| {
                println!(
                    "  未匹配 unmatched #{} {} ({}; {}: {})",
                    u.submission,
                    u.path,
                    u.state,
                    u.key_check,
                    u.claimed_name.as_deref().unwrap_or("")
                );
            })
            .map_err(fail)?;
            let n = &s.counts;
            println!(
                "第 {} 轮 round {} (截止 due {}): 名单 roster {} · 已报送 answered {} (逾期 late {}) · 仅退回 rejected {} · 未报送 missing {} · 未匹配文件 unmatched {} · 被替代 superseded {}",
                s.round,
                s.round,
                s.due_date.as_deref().unwrap_or("—"),
                n.roster,
                n.answered,
                n.late,
                n.rejected,
                n.missing,
                n.unmatched,
                n.superseded
            );
            println!("{}", out.display());
            Ok(0)
        }
        Action::Report {
            dir,
            round,
            out,
            lang,
            as_of,
        } => {
            let c = open(&dir, false)?;
            let r = campaign::output::report(
                &c,
                round,
                out.as_deref(),
                lang,
                as_of.unwrap_or_else(today),
            )
            .map_err(fail)?;
            println!(
                "汇总 {} 份当前答卷 / rolled up {} current submissions: {}",
                r.submissions,
                r.submissions,
                r.out.display()
            );
            Ok(0)
        }
        Action::Assign {
            dir,
            submission,
            org,
            reason,
            by,
        } => {
            let mut c = open(&dir, true)?;
            campaign::assign(
                &mut c,
                submission,
                &org,
                &reason,
                &campaign::actor(by.as_deref()),
            )
            .map_err(fail)?;
            println!(
                "报送 #{submission} 已归属 {org} / submission #{submission} assigned to {org}"
            );
            Ok(0)
        }
        Action::Pin {
            dir,
            submission,
            reason,
            by,
        } => {
            let mut c = open(&dir, true)?;
            campaign::pin(&mut c, submission, &reason, &campaign::actor(by.as_deref()))
                .map_err(fail)?;
            println!("报送 #{submission} 已指定为有效答卷 / submission #{submission} pinned");
            Ok(0)
        }
        Action::Round {
            dir,
            what,
            pack,
            due,
            rectify_by,
            by,
        } => {
            let mut c = open(&dir, true)?;
            let actor = campaign::actor(by.as_deref());
            if what == "new" {
                let n = campaign::rounds::new_round(&mut c, &pack, due, rectify_by, &actor)
                    .map_err(fail)?;
                println!("第 {n} 轮已开始 / round {n} opened");
            } else {
                if !pack.is_empty() {
                    return Err(fail(
                        "round set 不改规则包 / `round set` does not change the pack: open a new round",
                    ));
                }
                let n =
                    campaign::rounds::set_round(&mut c, due, rectify_by, &actor).map_err(fail)?;
                println!("第 {n} 轮日期已更新 / round {n} dates set");
            }
            Ok(0)
        }
        Action::Compare { dir, round } => {
            let c = open(&dir, false)?;
            let cmp = campaign::rounds::compare(&c, round).map_err(fail)?;
            let out = dir.join("compare").join(format!("round-{}", cmp.to));
            campaign::rounds::write_comparison(&cmp, &out).map_err(fail)?;
            println!(
                "第 {} 轮对比第 {} 轮 round {} against round {} ({} → {}):",
                cmp.to, cmp.from, cmp.to, cmp.from, cmp.packs.0, cmp.packs.1
            );
            for (kind, causes) in &cmp.totals {
                let parts: Vec<String> = causes.iter().map(|(c, n)| format!("{c} {n}")).collect();
                println!("  {kind}: {}", parts.join(", "));
            }
            println!("{}", out.display());
            Ok(0)
        }
        Action::Notices {
            dir,
            round,
            format,
            templates,
            authority,
            doc_number,
            date,
            signature,
        } => {
            use campaign::notices::NoticeFormat;
            let formats = format
                .iter()
                .flat_map(|s| s.split(','))
                .map(|s| match s.trim() {
                    "markdown" | "md" => Ok(NoticeFormat::Markdown),
                    "html" => Ok(NoticeFormat::Html),
                    "docx" => Ok(NoticeFormat::Docx),
                    other => Err(fail(format!(
                        "未知格式 `{other}` / unknown form `{other}` (markdown, html, docx)"
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let brand =
                hegui_word::brand::load(templates.as_deref()).map_err(|e| fail(e.to_string()))?;
            let c = open(&dir, false)?;
            let opts = campaign::notices::NoticeOptions {
                fields: campaign::notices::NoticeFields {
                    authority,
                    doc_number,
                    date,
                    signature,
                },
                formats,
                brand,
            };
            let n = campaign::notices::notices(&c, round, &opts, None).map_err(fail)?;
            println!(
                "整改提示 {} 份 / {} rectification reminders: {}",
                n.organisations,
                n.organisations,
                n.dir.display()
            );
            Ok(0)
        }
        Action::Purge { dir, before, by } => {
            let mut c = open(&dir, true)?;
            let n =
                campaign::purge(&mut c, before, &campaign::actor(by.as_deref())).map_err(fail)?;
            println!("已删除 {n} 份报送记录 / deleted {n} submissions received before {before}");
            Ok(0)
        }
    }
}
