//! Renewing: a new certificate from its source, checked before anything is touched, put in
//! place (bosun's own swapped live, files written atomically), the services that use it
//! reloaded and checked; automatic renewals with back-off after failures.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    AuditOutcome, CertId, CertKind, CertSource, Challenge, ReloadResult, ReloadTarget, RenewReport,
    RenewRequest,
};

use super::ca::Issued;
use super::files::{CertFile, KeyFound, replace_pair};
use super::view::{OWN_TITLE, file_id, now_secs, target_id};
use super::{CertService, OwnMode, inspect, probe, reload};
use crate::audit::{Owner, Who};
use crate::busy::Claim;
use crate::error::OrInternal;
use crate::store::certs::{ManagedRow, Renewed};
use crate::store::{now_ms, rfc3339};

const MAX_NAMES: usize = 100;
/// How long bosun waits for a reloaded service to serve the new certificate.
const VERIFY_FOR: Duration = Duration::from_secs(15);

/// Where a renewed certificate goes.
pub(super) enum Place {
    Own,
    File {
        cert: PathBuf,
        key: PathBuf,
        cert_mode: u32,
        key_mode: u32,
        owner: (u32, u32),
    },
}

/// A certificate bosun can renew, found by its id.
pub(super) struct Resolved {
    pub id: CertId,
    pub title: String,
    pub place: Place,
    /// The names in the certificate now.
    pub names: Vec<String>,
    pub row: Option<ManagedRow>,
}

/// DNS names (a leading `*.` allowed) or IP addresses; lower-cased, without repeats.
pub fn check_names(names: &[String]) -> Result<Vec<String>, AppError> {
    let bad = |n: &str| {
        AppError::bad_request(
            "names",
            format!(
                "“{}” is not a DNS name or IP address. Use names such as portal.lan or *.lan, or addresses such as 192.168.1.10.",
                n.chars()
                    .filter(|c| !c.is_control())
                    .take(80)
                    .collect::<String>()
            ),
        )
    };
    if names.is_empty() || names.len() > MAX_NAMES {
        return Err(AppError::bad_request(
            "names",
            format!("Give 1 to {MAX_NAMES} names for the certificate."),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let n = n.trim().trim_end_matches('.').to_ascii_lowercase();
        if let Ok(ip) = n.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
            if !out.contains(&ip.to_string()) {
                out.push(ip.to_string());
            }
            continue;
        }
        let host = n.strip_prefix("*.").unwrap_or(&n);
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if n.len() > 253 || host.is_empty() || !host.split('.').all(label_ok) {
            return Err(bad(&n));
        }
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out)
}

/// A renewal, decided before it starts.
struct Plan {
    names: Vec<String>,
    source: CertSource,
    challenge: Option<Challenge>,
    reload_list: Vec<ReloadTarget>,
}

/// 5 minutes after the first failure, doubling, at most 12 hours.
fn next_attempt(failures: u32) -> i64 {
    let minutes = 5_i64.saturating_mul(1_i64 << failures.min(8)).min(12 * 60);
    now_ms() + minutes * 60_000
}

fn file_place(f: &CertFile) -> Place {
    let key = match &f.key {
        KeyFound::SameFile => f.path.clone(),
        other => other.path().map(Path::to_owned).unwrap_or_else(|| {
            let stem = f
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "server".into());
            f.path.with_file_name(format!("{stem}.key"))
        }),
    };
    let key_mode = std::fs::metadata(&key)
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
        .unwrap_or(0o600);
    Place::File {
        cert: f.path.clone(),
        key,
        cert_mode: f.mode,
        key_mode,
        owner: f.owner,
    }
}

impl CertService {
    /// Finds what `id` names; a served certificate resolves to the file it is served from.
    pub(super) async fn resolve(&self, id: &CertId) -> Result<Resolved, AppError> {
        let rows = self
            .inner
            .store
            .managed_certs()
            .await
            .or_internal("reading the managed certificates")?;
        let row = |id: &str| rows.iter().find(|r| r.id == id).cloned();
        match id.kind() {
            CertKind::Own => {
                let own = self.inner.own.as_ref().ok_or_else(|| {
                    AppError::not_found(
                        "bosun serves plain HTTP (BOSUN_TLS=off): it has no certificate of its own to renew.",
                    )
                })?;
                let current = own.resolver.current();
                let names = match &self.inner.settings.own {
                    OwnMode::Managed { names } => names.clone(),
                    _ => current
                        .cert
                        .first()
                        .and_then(|c| inspect::facts(c).ok())
                        .map(|f| f.sans)
                        .unwrap_or_default(),
                };
                Ok(Resolved {
                    id: id.clone(),
                    title: OWN_TITLE.into(),
                    place: Place::Own,
                    names,
                    row: row(CertId::OWN),
                })
            }
            CertKind::File | CertKind::Served => {
                let (certs, files) = self.certificates().await?;
                let wanted = if id.kind() == CertKind::Served {
                    let served = certs.iter().find(|c| c.id == id.as_str()).ok_or_else(|| {
                        AppError::not_found(format!("There is no certificate {id} (any more). Reload the page for the current list."))
                    })?;
                    let from = certs.iter().find(|c| {
                        c.kind == CertKind::File
                            && c.problem.is_none()
                            && c.serial == served.serial
                            && c.issuer == served.issuer
                    });
                    match from {
                        Some(f) => f.id.clone(),
                        None => {
                            return Err(AppError::conflict(format!(
                                "bosun does not know which file {} serves this certificate from. Keep the service's certificate and key in a directory bosun watches (BOSUN_CERT_DIRS{}), mounted into the service; then renew it there.",
                                served.title,
                                if self.inner.settings.dirs.is_empty() {
                                    " is not set".to_owned()
                                } else {
                                    format!(
                                        ": {}",
                                        self.inner
                                            .settings
                                            .dirs
                                            .iter()
                                            .map(|d| d.display().to_string())
                                            .collect::<Vec<_>>()
                                            .join(", ")
                                    )
                                }
                            )));
                        }
                    }
                } else {
                    id.to_string()
                };
                let Some(file) = files.iter().find(|f| file_id(&f.path).as_str() == wanted) else {
                    return self.resolve_target(&wanted, row(&wanted));
                };
                let chain = file.chain.as_ref().map_err(|e| {
                    AppError::conflict(format!(
                        "{} cannot be read, so bosun does not know what to renew: {e}",
                        file.path.display()
                    ))
                })?;
                let leaf = chain
                    .first()
                    .and_then(|c| inspect::facts(c).ok())
                    .ok_or_else(AppError::internal)?;
                if !leaf.is_server() {
                    return Err(AppError::conflict(format!(
                        "{} is a CA certificate; bosun renews server certificates only.",
                        file.path.display()
                    )));
                }
                let file_id = file_id(&file.path);
                Ok(Resolved {
                    title: file.path.display().to_string(),
                    place: file_place(file),
                    names: leaf.sans,
                    row: row(file_id.as_str()),
                    id: file_id,
                })
            }
        }
    }

    /// A target a service declares (`bosun.cert.dir`) that has no certificate file yet.
    fn resolve_target(&self, wanted: &str, row: Option<ManagedRow>) -> Result<Resolved, AppError> {
        let target = self
            .declared_targets()
            .into_iter()
            .find(|t| target_id(t).as_str() == wanted)
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "There is no certificate file {wanted} (any more): it may have been removed. Reload the page for the current list."
                ))
            })?;
        if let Some(problem) = target.problem {
            return Err(AppError::conflict(format!("{problem}.")));
        }
        let meta = std::fs::metadata(&target.dir).map_err(|e| {
            AppError::conflict(format!(
                "{} cannot be used ({e}): make sure the directory exists and bosun may write to it.",
                target.dir.display()
            ))
        })?;
        let id = file_id(&target.cert);
        Ok(Resolved {
            title: target.cert.display().to_string(),
            place: Place::File {
                cert: target.cert,
                key: target.key,
                cert_mode: 0o644,
                key_mode: target.key_mode,
                owner: (
                    std::os::unix::fs::MetadataExt::uid(&meta),
                    std::os::unix::fs::MetadataExt::gid(&meta),
                ),
            },
            names: target.names,
            row,
            id,
        })
    }

    fn choose_source(
        &self,
        r: &Resolved,
        asked: Option<CertSource>,
    ) -> Result<CertSource, AppError> {
        let own = matches!(r.place, Place::Own);
        let from_row = r
            .row
            .as_ref()
            .map(|row| row.source())
            .filter(|s| s.renews_by_itself());
        let source = asked.or(from_row).unwrap_or(
            if own && matches!(self.inner.settings.own, OwnMode::Managed { .. }) && r.row.is_none()
            {
                CertSource::SelfSigned
            } else {
                CertSource::InternalCa
            },
        );
        let allowed = self.sources(own);
        if !allowed.contains(&source) {
            let message = match source {
                CertSource::Acme => "ACME is not configured: set BOSUN_ACME_DIRECTORY and a challenge (BOSUN_ACME_HTTP_LISTEN or BOSUN_ACME_DNS_HOOK), then restart bosun.".to_owned(),
                CertSource::SelfSigned => "Only bosun's own certificate can be self-signed; choose internal-ca or acme.".to_owned(),
                other => format!(
                    "bosun cannot get a certificate from “{other}” by itself; choose {} (or upload one).",
                    allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" or ")
                ),
            };
            return Err(AppError::bad_request("source", message));
        }
        Ok(source)
    }

    /// Gets a new certificate for `id` and puts it in place; on failure the old one stays.
    pub(super) async fn renew_now(
        &self,
        id: &CertId,
        request: RenewRequest,
        owner: &Owner,
    ) -> Result<RenewReport, AppError> {
        let started = Instant::now();
        let r = self.resolve(id).await?;
        let plan = match self.plan(&r, &request) {
            Ok(plan) => plan,
            // Without overrides everything came from the stored settings, so a plan that cannot
            // be made (ACME switched off since, names no longer valid) is this certificate's
            // renewal failing: shown on the page, notified, retried with back-off. With
            // overrides it is a bad request, and nothing about the certificate changes.
            Err(e) if request == RenewRequest::default() => {
                let source = r.row.as_ref().map(ManagedRow::source);
                return Err(self.renewal_failed(&r, source, &r.names, owner, e).await);
            }
            Err(e) => return Err(e),
        };
        let Plan {
            names,
            source,
            challenge,
            reload_list,
        } = plan;
        let job = self.inner.busy.claim(
            crate::busy::Resource::Certificate {
                id: r.id.as_str().to_owned(),
                title: r.title.clone(),
            },
            crate::busy::Work::Renewal,
            &owner.username,
        )?;
        let result = async {
            job.step(
                &format!("getting a new certificate from {}", source.title()),
                None,
            );
            let issued = self.issue(source, &names, challenge, &job).await?;
            let checked = inspect::checked_pair(
                issued.chain_pem.as_bytes(),
                issued.key_pem.as_bytes(),
                now_secs(),
            )
            .map_err(|e| {
                AppError::upstream_failed(format!(
                    "{} handed out a certificate bosun will not use ({e}); the current one stays.",
                    source.title()
                ))
            })?;
            let reloads = self
                .put_in_place(&r, &issued, checked, &reload_list, &job, owner)
                .await?;
            Ok::<_, AppError>((issued, reloads))
        }
        .await;
        let outcome = match result {
            Ok((issued, reloads)) => {
                let facts = inspect::chain_from_pem(issued.chain_pem.as_bytes())
                    .ok()
                    .and_then(|c| c.first().and_then(|l| inspect::facts(l).ok()));
                self.record_success(&r, source, challenge, &names, &reload_list, &reloads)
                    .await
                    .map(|()| RenewReport {
                        id: r.id.to_string(),
                        source,
                        serial: facts.as_ref().map(|f| f.serial.clone()).unwrap_or_default(),
                        not_after: facts
                            .map(|f| rfc3339(f.not_after * 1000))
                            .unwrap_or_default(),
                        names,
                        reloads,
                        took_ms: started.elapsed().as_millis() as u64,
                    })
            }
            Err(e) => Err(self
                .renewal_failed(&r, Some(source), &names, owner, e)
                .await),
        };
        // Held until the outcome is recorded, so a second renewal cannot start in between.
        drop(job);
        outcome
    }

    /// What a renewal of `r` will do: the names, where from, which challenge, what to reload.
    fn plan(&self, r: &Resolved, request: &RenewRequest) -> Result<Plan, AppError> {
        let wanted = request
            .names
            .clone()
            .or_else(|| {
                r.row
                    .as_ref()
                    .map(ManagedRow::names)
                    .filter(|n| !n.is_empty())
            })
            .unwrap_or_else(|| r.names.clone());
        let names = check_names(&wanted)?;
        let source = self.choose_source(r, request.source)?;
        let challenge = match (source, &self.inner.acme) {
            (CertSource::Acme, Some(acme)) => Some(
                acme.pick(
                    &names,
                    request
                        .challenge
                        .or(r.row.as_ref().and_then(ManagedRow::challenge)),
                )
                .map_err(|m| AppError::bad_request("challenge", format!("{m}.")))?,
            ),
            _ => None,
        };
        let reload_list: Vec<ReloadTarget> = request
            .reload
            .clone()
            .unwrap_or_else(|| r.row.as_ref().map(ManagedRow::reload).unwrap_or_default());
        Ok(Plan {
            names,
            source,
            challenge,
            reload_list,
        })
    }

    /// Records a failed renewal (last error, failure count, next attempt after back-off) and
    /// sends the notification; returns the error for the caller.
    async fn renewal_failed(
        &self,
        r: &Resolved,
        source: Option<CertSource>,
        names: &[String],
        owner: &Owner,
        e: AppError,
    ) -> AppError {
        let failures = r.row.as_ref().map(ManagedRow::failures).unwrap_or(0) + 1;
        // bosun's own certificate is always managed: its row is made here if need be, with the
        // source of the certificate it still serves. The source that failed is not recorded:
        // the next automatic renewal must not switch to it. A file not managed yet keeps no
        // row; the person who asked sees the error at once, and the audit log keeps it.
        let own = matches!(r.place, Place::Own).then(|| match self.inner.settings.own {
            OwnMode::Files => CertSource::Files,
            _ => CertSource::SelfSigned,
        });
        if let Err(store_err) = self
            .inner
            .store
            .cert_failed(r.id.as_str(), &e.message, next_attempt(failures), own)
            .await
        {
            tracing::error!(error = %store_err, "could not record a failed renewal");
        }
        self.inner.busy.notify();
        let from = source.map(|s| s.title()).unwrap_or("its source");
        self.inner.notifier.send(crate::notify::Notification::new(
            bosun_frontend::model::NotifyEvent::CertRenewFailed,
            crate::notify::Severity::Critical,
            format!("Renewing {} failed", r.title),
            format!(
                "Renewing the certificate {} ({}) from {} failed (started by {}): {} The current certificate stays in place.",
                r.title,
                names.join(", "),
                from,
                owner.username,
                e.message
            ),
            serde_json::json!({"id": r.id.as_str(), "title": r.title, "source": source.map(|s| s.as_str()), "error": e.message, "failures": failures}),
        ));
        e
    }

    async fn issue(
        &self,
        source: CertSource,
        names: &[String],
        challenge: Option<Challenge>,
        job: &Claim,
    ) -> Result<Issued, AppError> {
        match source {
            CertSource::SelfSigned => crate::tls::selfsigned::make(names)
                .map(|(chain_pem, key_pem)| Issued { chain_pem, key_pem })
                .map_err(|e| crate::error::internal("making a self-signed certificate", e)),
            CertSource::InternalCa => self
                .inner
                .ca
                .issue(names)
                .map_err(|e| crate::error::internal("issuing from the internal CA", e)),
            CertSource::Acme => {
                let (Some(acme), Some(challenge)) = (&self.inner.acme, challenge) else {
                    return Err(AppError::bad_request("source", "ACME is not configured."));
                };
                acme.issue(names, challenge, &|s: String| job.step(&s, None))
                    .await
                    .map_err(|e| {
                        AppError::upstream_failed(format!("{e}. The current certificate stays."))
                    })
            }
            other => Err(AppError::bad_request(
                "source",
                format!("bosun cannot get a certificate from “{other}” by itself."),
            )),
        }
    }

    /// Writes (and for bosun's own, swaps) the checked certificate; then reloads dependents.
    pub(super) async fn put_in_place(
        &self,
        r: &Resolved,
        issued: &Issued,
        checked: inspect::Checked,
        reload_list: &[ReloadTarget],
        job: &Claim,
        owner: &Owner,
    ) -> Result<Vec<ReloadResult>, AppError> {
        let write_err = |e: String| {
            AppError::conflict(format!(
                "bosun could not write the new certificate ({e}). The old files are unchanged; give bosun write access to the directory, then renew again."
            ))
        };
        let (chain, key) = (
            issued.chain_pem.clone().into_bytes(),
            issued.key_pem.clone().into_bytes(),
        );
        match &r.place {
            Place::Own => {
                job.step("saving the new certificate", None);
                let s = &self.inner.settings;
                let (cp, kp) = (s.own_cert.clone(), s.own_key.clone());
                if let Some(dir) = cp.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| write_err(e.to_string()))?;
                }
                tokio::task::spawn_blocking(move || {
                    replace_pair(&cp, &kp, &chain, &key, 0o644, 0o600, None)
                })
                .await
                .or_internal("writing bosun's certificate")?
                .map_err(write_err)?;
                job.step("serving the new certificate to new connections", None);
                let own = self.inner.own.as_ref().ok_or_else(AppError::internal)?;
                own.resolver
                    .replace(checked.key)
                    .map_err(|e| crate::error::internal("swapping bosun's certificate", e))?;
                if let Ok(mut loaded) = own.loaded.lock() {
                    *loaded = std::fs::metadata(&s.own_cert)
                        .and_then(|m| m.modified())
                        .ok();
                }
                Ok(Vec::new())
            }
            Place::File {
                cert,
                key: key_path,
                cert_mode,
                key_mode,
                owner: file_owner,
            } => {
                job.step(&format!("writing {}", cert.display()), None);
                let (cp, kp, cm, km, fo) = (
                    cert.clone(),
                    key_path.clone(),
                    *cert_mode,
                    *key_mode,
                    *file_owner,
                );
                tokio::task::spawn_blocking(move || {
                    replace_pair(&cp, &kp, &chain, &key, cm, km, Some(fo))
                })
                .await
                .or_internal("writing the certificate files")?
                .map_err(write_err)?;
                let dir = cert.parent().unwrap_or(Path::new("/"));
                Ok(self
                    .reload_dependents(dir, reload_list, &checked.facts.serial, job, owner)
                    .await)
            }
        }
    }

    async fn reload_dependents(
        &self,
        dir: &Path,
        explicit: &[ReloadTarget],
        serial: &str,
        job: &Claim,
        owner: &Owner,
    ) -> Vec<ReloadResult> {
        let inventory = self.inner.engine.inventory();
        let docker = self.inner.engine.docker().ok();
        let host_dir = reload::host_path(docker.as_ref(), dir).await;
        let (deps, problems) = reload::dependents(&inventory.records(), &host_dir, explicit);
        let mut results: Vec<ReloadResult> = problems
            .into_iter()
            .map(|(subject, problem)| ReloadResult {
                container: subject,
                how: String::new(),
                ok: false,
                output: problem,
                serving_new: None,
            })
            .collect();
        if deps.is_empty() {
            return results;
        }
        let Some(docker) = docker else {
            results.push(ReloadResult {
                container: "Docker engine".into(),
                how: String::new(),
                ok: false,
                output: "The Docker engine is unreachable, so no service was reloaded. Reload them by hand, or renew again once the engine is back.".into(),
                serving_new: None,
            });
            return results;
        };
        for d in &deps {
            job.step(
                &format!(
                    "reloading {} ({})",
                    crate::stacks::actions::label(&d.record),
                    d.action
                ),
                None,
            );
            let mut result = reload::reload(&docker, &self.inner.busy, d).await;
            if result.ok {
                job.step(
                    &format!(
                        "checking that {} serves the new certificate",
                        result.container
                    ),
                    None,
                );
                result.serving_new = self.verify(&d.record.id, serial).await;
            }
            let outcome = if result.ok {
                AuditOutcome::Ok
            } else {
                AuditOutcome::Failed
            };
            let detail = format!(
                "{}{}",
                result.how,
                if result.output.is_empty() {
                    String::new()
                } else {
                    format!(": {}", result.output.chars().take(300).collect::<String>())
                }
            );
            self.inner
                .audit
                .record(
                    owner.who(),
                    "certificate.reload",
                    &result.container,
                    outcome,
                    Some(detail),
                )
                .await;
            results.push(result);
        }
        results
    }

    /// Does the container now present `serial` on its TLS ports, at every address it is
    /// reachable at, twice in a row? Retries for a while: a reloaded server takes a moment
    /// (and may answer from an old worker meanwhile), a restarted one longer.
    async fn verify(&self, container_id: &str, serial: &str) -> Option<bool> {
        let deadline = Instant::now() + VERIFY_FOR;
        let mut had_targets = false;
        let mut good_rounds = 0;
        loop {
            let record = self.inner.engine.inventory().find(container_id);
            if record
                .as_ref()
                .is_some_and(|r| r.is_running() && probe::wanted_ports(r).is_empty())
            {
                // Up again and serving no TLS port bosun knows of: there is nothing to check.
                return None;
            }
            let targets = record.map(|r| probe::targets(&[r])).unwrap_or_default();
            let mut seen = 0;
            let mut all_new = true;
            for t in &targets {
                for chain in probe::each_address(self.inner.probes.tls(), t).await {
                    seen += 1;
                    let new = chain
                        .first()
                        .and_then(|l| inspect::facts(l).ok())
                        .is_some_and(|f| f.serial == serial);
                    all_new &= new;
                }
            }
            if seen > 0 {
                had_targets = true;
                good_rounds = if all_new { good_rounds + 1 } else { 0 };
                if good_rounds >= 2 {
                    // Keep the page's picture in line with what was checked.
                    self.inner.probes.now(targets).await;
                    return Some(true);
                }
            }
            if Instant::now() >= deadline {
                return had_targets.then_some(false);
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    pub(super) async fn record_success(
        &self,
        r: &Resolved,
        source: CertSource,
        challenge: Option<Challenge>,
        names: &[String],
        reload: &[ReloadTarget],
        reloads: &[ReloadResult],
    ) -> Result<(), AppError> {
        let (cert_path, key_path) = match &r.place {
            Place::Own => (None, None),
            Place::File { cert, key, .. } => (
                Some(cert.display().to_string()),
                Some(key.display().to_string()),
            ),
        };
        self.inner
            .store
            .cert_renewed(&Renewed {
                id: r.id.as_str(),
                cert_path: cert_path.as_deref(),
                key_path: key_path.as_deref(),
                source,
                challenge,
                names,
                reload,
                reloads,
            })
            .await
            .or_internal("recording the renewal")?;
        self.inner.busy.notify();
        Ok(())
    }

    /// The audit record of a renewal (or upload): the new serial and how the reloads went.
    pub(super) async fn audit_renewal(
        &self,
        who: Who<'_>,
        action: &str,
        title: &str,
        result: &Result<RenewReport, AppError>,
    ) {
        match result {
            Ok(report) => {
                let reloads: Vec<String> = report
                    .reloads
                    .iter()
                    .map(|r| {
                        format!(
                            "{} {}{}",
                            r.container,
                            if r.ok { "reloaded" } else { "not reloaded" },
                            match r.serving_new {
                                Some(true) => ", serving the new certificate",
                                Some(false) => ", still serving the old certificate",
                                None => "",
                            }
                        )
                    })
                    .collect();
                let detail = format!(
                    "serial {} from {}, valid until {}{}",
                    report.serial,
                    report.source,
                    report.not_after,
                    if reloads.is_empty() {
                        String::new()
                    } else {
                        format!("; {}", reloads.join("; "))
                    }
                );
                self.inner
                    .audit
                    .record(who, action, title, AuditOutcome::Ok, Some(detail))
                    .await;
            }
            Err(_) => self.inner.audit.outcome(who, action, title, result).await,
        }
    }

    /// Renews every managed certificate past its renewal point whose back-off has passed.
    pub(super) async fn renew_due(&self) {
        let (Ok((certs, _)), Ok(rows)) = (
            self.certificates().await,
            self.inner.store.managed_certs().await,
        ) else {
            return;
        };
        let share = self.inner.settings.renew_at;
        let now = now_ms();
        for c in certs {
            let Some(m) = &c.managed else { continue };
            if !m.source.renews_by_itself() || c.problem.is_some() || c.lifetime_used < share {
                continue;
            }
            let waiting = rows
                .iter()
                .find(|r| r.id == c.id)
                .and_then(|r| r.next_attempt_at)
                .is_some_and(|t| now < t);
            let Ok(id) = c.id.parse::<CertId>() else {
                continue;
            };
            if waiting {
                continue;
            }
            let owner = Owner::system("renewal");
            tracing::info!(certificate = %c.title, "renewing: {:.0}% of its lifetime has passed", c.lifetime_used * 100.0);
            let result = self.renew_now(&id, RenewRequest::default(), &owner).await;
            if let Err(e) = &result {
                tracing::warn!(certificate = %c.title, error = %e.message, "automatic renewal failed; bosun retries with back-off");
            }
            self.audit_renewal(owner.who(), "certificate.renew", &c.title, &result)
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_tidied() {
        let v = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            check_names(&v(&["Portal.LAN.", "bad_name.lan"]))
                .err()
                .map(|e| e.field),
            Some(Some("names".to_owned()))
        );
        assert_eq!(
            check_names(&v(&[
                "Portal.LAN.",
                "portal.lan",
                "*.lan",
                "[::1]",
                "10.0.0.1"
            ]))
            .unwrap(),
            v(&["portal.lan", "*.lan", "::1", "10.0.0.1"])
        );
        for bad in ["", "a..b", "-a.lan", "a_b.lan", "*.", "a.lan/x", "a b"] {
            assert!(check_names(&v(&[bad])).is_err(), "{bad:?}");
        }
        assert!(check_names(&[]).is_err());
        assert!(check_names(&vec!["a.lan".to_owned(); 101]).is_err());
    }

    #[test]
    fn back_off_doubles_up_to_twelve_hours() {
        let now = now_ms();
        let mins = |f| (next_attempt(f) - now) / 60_000;
        assert_eq!(mins(0), 5);
        assert_eq!(mins(1), 10);
        assert_eq!(mins(3), 40);
        assert_eq!(mins(30), 12 * 60);
    }
}
