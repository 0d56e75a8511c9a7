//! The catalogue's filters, as `GET /api/v1/backups` takes them: every parameter parsed
//! into a checked type.

use bosun_frontend::error::{AppError, parse_field};
use bosun_frontend::model::{BackupContent, BackupQuery, BackupStatus, ProjectName, ServiceName};

use crate::store::backups::Filter;

/// `YYYY-MM-DD` as Unix ms at 00:00 UTC.
fn day_start(field: &str, value: &str) -> Result<i64, AppError> {
    let date = time::Date::parse(
        value,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| {
        AppError::bad_request(
            field,
            format!(
                "Give the date as YYYY-MM-DD, e.g. 2026-11-22 (got “{}”).",
                value.chars().take(20).collect::<String>()
            ),
        )
    })?;
    Ok(date.midnight().assume_utc().unix_timestamp() * 1000)
}

pub(super) fn filter(q: BackupQuery) -> Result<Filter, AppError> {
    let limit = q.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::bad_request(
            "limit",
            "Choose a limit from 1 to 1000.",
        ));
    }
    let project = q
        .project
        .map(|p| parse_field::<ProjectName>("project", &p))
        .transpose()?;
    let service = q
        .service
        .map(|s| parse_field::<ServiceName>("service", &s))
        .transpose()?;
    if let Some(d) = &q.database
        && !super::command::is_plain_name(d)
    {
        return Err(AppError::bad_request(
            "database",
            "A database name has letters, digits, _ - . and $ only.",
        ));
    }
    Ok(Filter {
        project: project.map(|p| p.as_str().to_owned()),
        service: service.map(|s| s.as_str().to_owned()),
        database: q.database,
        status: q
            .status
            .map(|s| parse_field::<BackupStatus>("status", &s))
            .transpose()?,
        content: q
            .content
            .map(|c| {
                BackupContent::parse(&c).ok_or_else(|| {
                    AppError::bad_request("content", "Choose content database or files.")
                })
            })
            .transpose()?,
        from_ms: q.from.map(|f| day_start("from", &f)).transpose()?,
        until_ms: q
            .to
            .map(|t| day_start("to", &t).map(|ms| ms + 86_400_000))
            .transpose()?,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked() {
        assert!(filter(BackupQuery::default()).is_ok_and(|f| f.limit == 200));
        let bad = |q: BackupQuery| filter(q).err().map(|e| e.status());
        assert_eq!(
            bad(BackupQuery {
                from: Some("22/11/2026".into()),
                ..Default::default()
            }),
            Some(400)
        );
        assert_eq!(
            bad(BackupQuery {
                status: Some("good".into()),
                ..Default::default()
            }),
            Some(400)
        );
        assert_eq!(
            bad(BackupQuery {
                project: Some("../etc".into()),
                ..Default::default()
            }),
            Some(400)
        );
        assert_eq!(
            bad(BackupQuery {
                limit: Some(0),
                ..Default::default()
            }),
            Some(400)
        );
        let f = filter(BackupQuery {
            from: Some("2026-11-22".into()),
            to: Some("2026-11-22".into()),
            ..Default::default()
        });
        assert!(f.is_ok_and(
            |f| f.from_ms == Some(1_795_305_600_000) && f.until_ms == Some(1_795_392_000_000)
        ));
    }
}
