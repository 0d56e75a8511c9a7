//! Proving a file backup: its tar is read back to the end (decrypted, decompressed) and
//! every part's files, bytes and tree digest must be what was recorded when it was taken.
//! After a restore the same digest is taken of the live path through the engine.

use std::io;

use bosun_frontend::model::FilePart;

use super::super::BackupService;
use super::super::plain::Source;
use super::super::verify::Found;
use super::tree::{self, Names, Tally};
use crate::store::backups::BackupRow;

/// How `got` differs from `want`, for a reason.
pub fn differences(want: &[FilePart], got: &[FilePart]) -> Option<String> {
    let diffs: Vec<String> = want
        .iter()
        .zip(got)
        .filter(|(w, g)| w != g)
        .map(|(w, g)| {
            format!(
                "{}: {} files, {} bytes recorded; {} files, {} bytes found{}",
                w.path,
                w.files,
                w.bytes,
                g.files,
                g.bytes,
                if (w.files, w.bytes) == (g.files, g.bytes) {
                    " (names, owners, permissions or content differ)"
                } else {
                    ""
                }
            )
        })
        .collect();
    (!diffs.is_empty() || want.len() != got.len()).then(|| diffs.join("; "))
}

impl BackupService {
    /// Reads the whole tar of `row` and checks every part against the catalogue.
    pub(in crate::backups) async fn check_tree(
        &self,
        row: &BackupRow,
        source: Source,
    ) -> Result<Found, String> {
        let want = row.parts();
        if want.is_empty() {
            return Err("the catalogue lists no paths for this backup".into());
        }
        let n = want.len();
        let got = tokio::task::spawn_blocking(move || -> io::Result<Vec<FilePart>> {
            let mut tallies = vec![Tally::default(); n];
            tree::copy(
                source.open()?,
                None::<&mut tar::Builder<io::Sink>>,
                Names::All,
                &mut tallies,
            )?;
            Ok(tallies
                .into_iter()
                .enumerate()
                .map(|(i, t)| t.finish(&format!("#{i}")))
                .collect())
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("the tar could not be read to its end: {e}"))?;
        let got: Vec<FilePart> = got
            .into_iter()
            .zip(&want)
            .map(|(g, w)| FilePart {
                path: w.path.clone(),
                ..g
            })
            .collect();
        if let Some(diff) = differences(&want, &got) {
            return Err(format!("the tar does not hold what was recorded: {diff}"));
        }
        Ok(Found {
            tables: n as u64,
            rows: want.iter().map(|p| p.files).sum(),
        })
    }

    /// The tree at `path` of `container` now, tallied as a backup would record it.
    pub(in crate::backups) async fn live_tree(
        &self,
        container: &str,
        path: &str,
    ) -> Result<FilePart, String> {
        let stream = crate::docker::archive::read(&self.inner.engine, container, path)?;
        let owned = path.to_owned();
        tokio::task::spawn_blocking(move || -> io::Result<FilePart> {
            let reader = super::blocking_reader(stream);
            let mut t = [Tally::default()];
            tree::copy(
                reader,
                None::<&mut tar::Builder<io::Sink>>,
                Names::Into(0),
                &mut t,
            )?;
            let [t] = t;
            Ok(t.finish(&owned))
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
    }
}
