//! The inventory as the page and the REST API show it: every certificate, worst first, the
//! renewals running now, and warnings about what was planted in the watched directories.

use std::sync::Arc;

use bosun_frontend::error::AppError;
use bosun_frontend::model::{AcmeDto, CertDto, CertId, CertKind, CertSource, CertificatesView};

use super::dto::{Basis, relate};
use super::ids::target_id;
use super::shared::Scanned;
use crate::certs::CertService;
use crate::certs::renewal::plan::check_names;
use crate::error::OrInternal;
use crate::store::certs::ManagedRow;

impl CertService {
    /// Every certificate now (from a scan that started after the call), worst first, and the
    /// scan they were read from.
    pub async fn certificates(&self) -> Result<(Vec<CertDto>, Arc<Scanned>), AppError> {
        let scan = self.inner.scans.fresh().await?;
        Ok((self.certificates_in(&scan).await?, scan))
    }

    /// Every certificate in `scan` (with bosun's own and what the services serve), worst first.
    pub(in crate::certs) async fn certificates_in(
        &self,
        scan: &Scanned,
    ) -> Result<Vec<CertDto>, AppError> {
        let rows = self
            .inner
            .store
            .managed_certs()
            .await
            .or_internal("reading the managed certificates")?;
        let now = self.inner.clock.now_ms().div_euclid(1000);
        let mut certs: Vec<CertDto> = Vec::new();
        certs.extend(self.own_dto(&rows, now));
        certs.extend(scan.files.iter().map(|f| self.file_dto(f, &rows, now)));
        for t in &scan.declared {
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
        self.mark_unconfirmed(&mut certs, &rows);
        certs.sort_by(|a, b| {
            (a.urgency, a.days_left, &a.title).cmp(&(b.urgency, b.days_left, &b.title))
        });
        Ok(certs)
    }

    /// The names "Renew now" from the internal CA would ask an admin to confirm, on each
    /// certificate it can renew (a served one: those of the file it is served from).
    fn mark_unconfirmed(&self, certs: &mut [CertDto], rows: &[ManagedRow]) {
        let allowed = self.ca_allowed(rows);
        let from_ca = |c: &CertDto| c.renew_sources.contains(&CertSource::InternalCa);
        for c in certs
            .iter_mut()
            .filter(|c| c.kind != CertKind::Served && from_ca(c))
        {
            let names = c
                .managed
                .as_ref()
                .map(|m| m.names.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| c.sans.clone());
            let names = check_names(&names).unwrap_or(names);
            let row = rows.iter().find(|r| r.id == c.id);
            c.unconfirmed_names = allowed.unconfirmed(&c.id, row, &names);
        }
        let files: Vec<(String, Vec<String>)> = certs
            .iter()
            .filter(|c| c.kind == CertKind::File)
            .map(|c| (c.title.clone(), c.unconfirmed_names.clone()))
            .collect();
        for c in certs
            .iter_mut()
            .filter(|c| c.kind == CertKind::Served && from_ca(c))
        {
            if let Some((_, u)) = files.iter().find(|(t, _)| c.related.contains(t)) {
                c.unconfirmed_names = u.clone();
            }
        }
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

    /// The page's data from a fresh scan.
    pub async fn view_now(&self) -> Result<CertificatesView, AppError> {
        let scan = self.inner.scans.fresh().await?;
        self.view_of(&scan).await
    }

    /// The page's data from `scan` (the live view builds it from the shared scan).
    pub(in crate::certs) async fn view_of(
        &self,
        scan: &Scanned,
    ) -> Result<CertificatesView, AppError> {
        let certs = self.certificates_in(scan).await?;
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
            warnings: scan.warnings.clone(),
        })
    }
}
