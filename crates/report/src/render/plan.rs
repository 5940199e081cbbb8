//! The dated remediation plan: deadlines per severity (`--deadlines`), due dates, and the
//! optional generation time (`--generated-at` / `SOURCE_DATE_EPOCH`).

use chrono::{Days, NaiveDate};
use hegui_core::model::Severity;
use serde::Serialize;

/// The longest deadline accepted, in days (ten years).
pub const MAX_DAYS: u32 = 3650;

/// Days to remediate a failed required rule, by severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    /// Critical.
    pub critical: u32,
    /// High.
    pub high: u32,
    /// Medium.
    pub medium: u32,
    /// Low.
    pub low: u32,
}

impl Default for Deadlines {
    /// 30, 60, 90 and 180 days (documented in docs/SCORING.md).
    fn default() -> Self {
        Deadlines {
            critical: 30,
            high: 60,
            medium: 90,
            low: 180,
        }
    }
}

impl Deadlines {
    /// The deadline for `s`.
    pub fn days(&self, s: Severity) -> u32 {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }

    fn slot(&mut self, s: Severity) -> &mut u32 {
        match s {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
        }
    }

    /// Parses `critical=30,high=60,…`: the severities given replace the defaults, the others
    /// keep them. Every problem is named with the item it is in.
    pub fn parse(spec: &str) -> Result<Deadlines, String> {
        let mut d = Deadlines::default();
        let mut seen = Vec::new();
        let mut problems = Vec::new();
        for item in spec.split(',') {
            let item = item.trim();
            if item.is_empty() {
                problems.push("空项 empty item (write e.g. `critical=30,high=60`)".to_string());
                continue;
            }
            let Some((name, days)) = item.split_once('=') else {
                problems.push(format!(
                    "`{item}`: 缺少“=” expected SEVERITY=DAYS, e.g. `high=60`"
                ));
                continue;
            };
            let name = name.trim();
            let Some(sev) = Severity::ALL.into_iter().find(|s| s.name() == name) else {
                problems.push(format!(
                    "`{item}`: 未知的严重程度 unknown severity `{name}` (critical, high, medium, low)"
                ));
                continue;
            };
            if seen.contains(&sev) {
                problems.push(format!("`{item}`: `{name}` 重复 given twice"));
                continue;
            }
            seen.push(sev);
            match days.trim().parse::<u32>() {
                Ok(n) if n <= MAX_DAYS => *d.slot(sev) = n,
                _ => problems.push(format!(
                    "`{item}`: 天数应为 0–{MAX_DAYS} 的整数 days must be a whole number from 0 to {MAX_DAYS}"
                )),
            }
        }
        if problems.is_empty() {
            Ok(d)
        } else {
            Err(problems.join("; "))
        }
    }
}

/// The date `days` after `date`, if representable.
pub fn due(date: NaiveDate, days: u32) -> Option<NaiveDate> {
    date.checked_add_days(Days::new(u64::from(days)))
}

/// The generation time to print, if any: `--generated-at` (RFC 3339 or `YYYY-MM-DD`) wins over
/// `SOURCE_DATE_EPOCH` (seconds since 1970, shown in UTC). Neither: none, so that the same
/// input gives the same bytes.
pub fn generated_at(flag: Option<&str>, epoch: Option<&str>) -> Result<Option<String>, String> {
    if let Some(s) = flag {
        let s = s.trim();
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
            return Ok(Some(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)));
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(Some(d.to_string()));
        }
        return Err(format!(
            "--generated-at `{s}`: 应为 RFC 3339 时间或日期 expected an RFC 3339 time (2026-05-20T09:30:00+08:00) or a date (2026-05-20)"
        ));
    }
    match epoch.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .and_then(|n| chrono::DateTime::from_timestamp(n, 0))
            .map(|t| Some(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
            .ok_or_else(|| {
                format!(
                    "SOURCE_DATE_EPOCH `{s}`: 应为自 1970-01-01 起的秒数 expected whole seconds since 1970-01-01 UTC"
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_default_and_partial_overrides() {
        assert_eq!(Deadlines::parse("high=45"), {
            Ok(Deadlines {
                high: 45,
                ..Deadlines::default()
            })
        });
        let d = Deadlines::parse(" critical = 7 , low=365").unwrap();
        assert_eq!((d.critical, d.high, d.medium, d.low), (7, 60, 90, 365));
    }

    #[test]
    fn deadline_errors_name_the_item() {
        let e = Deadlines::parse("urgent=3,high=x,high=5,,medium").unwrap_err();
        assert!(
            e.contains("`urgent=3`") && e.contains("unknown severity `urgent`"),
            "{e}"
        );
        assert!(e.contains("`high=x`") && e.contains("whole number"), "{e}");
        assert!(e.contains("empty item"), "{e}");
        assert!(e.contains("`medium`: 缺少"), "{e}");
        let e = Deadlines::parse("high=1,high=2").unwrap_err();
        assert!(e.contains("given twice"), "{e}");
        assert!(Deadlines::parse("low=3651").is_err());
    }

    #[test]
    fn generated_at_flag_wins_and_epoch_is_utc() {
        assert_eq!(generated_at(None, None), Ok(None));
        assert_eq!(generated_at(None, Some("")), Ok(None));
        assert_eq!(
            generated_at(None, Some("1779235200")),
            Ok(Some("2026-05-20T00:00:00Z".into()))
        );
        assert_eq!(
            generated_at(Some("2026-05-20"), Some("0")),
            Ok(Some("2026-05-20".into()))
        );
        assert_eq!(
            generated_at(Some("2026-05-20T09:30:00+08:00"), None),
            Ok(Some("2026-05-20T09:30:00+08:00".into()))
        );
        assert!(generated_at(Some("yesterday"), None).is_err());
        assert!(
            generated_at(None, Some("soon"))
                .unwrap_err()
                .contains("SOURCE_DATE_EPOCH")
        );
    }

    #[test]
    fn due_dates_add_calendar_days() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        assert_eq!(due(d, 30), NaiveDate::from_ymd_opt(2026, 3, 2));
        assert_eq!(due(d, 0), Some(d));
    }
}
