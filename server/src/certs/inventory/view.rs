//! The inventory as the page and the REST API show it: every certificate, worst first, the
//! renewals running now, and warnings about what was planted in the watched directories.

use std::path::PathBuf;

use bosun_frontend::error::AppError;
use bosun_frontend::model::{AcmeDto, CertDto, CertId, CertKind, CertificatesView};

use super::dto::{Basis, relate};
use super::ids::target_id;
use super::scan::CertFile;
use super::targets::Target;
use crate::certs::CertService;
use crate::error::OrInternal;

impl CertService {
    /// The targets the services declare by label (`bosun.cert.dir`), found through the mounts.
    pub(in crate::certs) fn declared_targets(&self) -> Vec<Target> {
        let records = self.inner.engine.inventory().records();
        let own = super::targets::own_mounts(&records);
        super::targets::declared(&records, own.as_deref())
    }

    /// The configured directories, and those of the usable declared targets.
    pub(in crate::certs) fn watched_dirs(&self, declared: &[Target]) -> Vec<PathBuf> {
        let mut dirs = self.inner.settings.dirs.clone();
        for t in declared.iter().filter(|t| t.problem.is_none()) {
            if !dirs.contains(&t.dir) {
                dirs.push(t.dir.clone());
            }
        }
        dirs
    }

    /// Every certificate now, worst first.
    pub async fn certificates(&self) -> Result<(Vec<CertDto>, Vec<CertFile>), AppError> {
        let rows = self
            .inner
            .store
            .managed_certs()
            .await
            .or_internal("reading the managed certificates")?;
        let declared = self.declared_targets();
        let dirs = self.watched_dirs(&declared);
        let files = tokio::task::spawn_blocking(move || super::scan::scan(&dirs))
            .await
            .or_internal("scanning the certificate directories")?;
        let now = self.inner.clock.now_ms().div_euclid(1000);
        let mut certs: Vec<CertDto> = Vec::new();
        certs.extend(self.own_dto(&rows, now));
        certs.extend(files.iter().map(|f| self.file_dto(f, &rows, now)));
        for t in &declared {
            let id = target_id(t);
            if let Some(c) = certs.iter_mut().find(|c| c.id == id.as_str()) {
                c.related.push(t.service.clone());
            } else {
                certs.push(self.target_dto(t, &rows, now));
            }
        }
        // Files bosun renewed before and that are gone now.
        for r in rows.iter().filter(|r| r.id.starts_with("file-")) {
            if certs.iter().all(|c| c.id != r.id) {
                let title = r.cert_path.clone().unwrap_or_else(|| r.id.clone());
                certs.push(self.dto(
                    Basis {
                        id: r.id.parse().unwrap_or_else(|_| CertId::own()),
                        kind: CertKind::File,
                        title,
                        chain: Err("the file is gone (or its directory is no longer in BOSUN_CERT_DIRS); bosun renewed it before".into()),
                        key: None,
                        managed: Some(self.managed(r, None)),
                        renew_sources: Vec::new(),
                    },
                    now,
                ));
            }
        }
        certs.extend(
            self.inner
                .probes
                .all()
                .iter()
                .map(|p| self.served_dto(p, now)),
        );
        relate(&mut certs);
        certs.sort_by(|a, b| {
            (a.urgency, a.days_left, &a.title).cmp(&(b.urgency, b.days_left, &b.title))
        });
        Ok((certs, files))
    }

    /// The renewals running now, with their steps.
    fn jobs(&self) -> Vec<bosun_frontend::model::CertJobDto> {
        self.inner
            .busy
            .of(crate::busy::Work::Renewal)
            .into_iter()
            .filter_map(|r| match r.resource {
                crate::busy::Resource::Certificate { id, .. } => {
                    Some(bosun_frontend::model::CertJobDto {
                        cert_id: id,
                        actor: r.who,
                        step: r.what,
                        done: r.done,
                        elapsed_ms: u64::try_from(r.elapsed.as_millis()).unwrap_or(u64::MAX),
                    })
                }
                _ => None,
            })
            .collect()
    }

    pub async fn view_now(&self) -> Result<CertificatesView, AppError> {
        let (certs, _) = self.certificates().await?;
        let dirs = self.watched_dirs(&self.declared_targets());
        let warnings = tokio::task::spawn_blocking(move || super::planted::planted(&dirs))
            .await
            .or_internal("looking for planted files in the certificate directories")?;
        let s = &self.inner.settings;
        Ok(CertificatesView {
            certs,
            jobs: self.jobs(),
            ca: self.inner.issuers.ca().dto(),
            acme: AcmeDto {
                directory: self.inner.issuers.acme().map(|a| a.directory().to_owned()),
                challenges: self
                    .inner
                    .issuers
                    .acme()
                    .map(|a| a.challenges())
                    .unwrap_or_default(),
            },
            warn_days: s.warn_days,
            critical_days: s.critical_days,
            renew_at_percent: s.renew_at * 100.0,
            dirs: s.dirs.iter().map(|d| d.display().to_string()).collect(),
            warnings,
        })
    }
}
