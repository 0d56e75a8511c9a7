//! Whether each service's image has a newer build: the registry digest of the image it runs
//! (from the image's own `RepoDigests`) against the registry's digest for the same reference
//! now (asked through the engine). Local builds and pinned references are shown as such, never
//! as errors. A new build is notified once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bosun_frontend::model::{CheckState, ImageUpdateDto, NotifyEvent, short_digest};
use futures::StreamExt;

use super::reference::Reference;
use super::{UPDATE_LABEL, UpdatesService};
use crate::docker::images;
use crate::docker::record::Record;
use crate::notify::{Notification, Severity};
use crate::store::rfc3339;
use crate::store::updates::CheckRow;

/// Registries asked at once.
const PARALLEL: usize = 4;

/// The newest container of every compose service (one-offs aside).
pub(super) fn services(records: &[Arc<Record>]) -> BTreeMap<(String, String), Arc<Record>> {
    let mut newest: BTreeMap<(String, String), Arc<Record>> = BTreeMap::new();
    for r in records.iter().filter(|r| !r.oneoff()) {
        let (Some(p), Some(s)) = (r.project(), r.service()) else {
            continue;
        };
        let key = (p.to_owned(), s.to_owned());
        match newest.get(&key) {
            Some(n) if n.created >= r.created => {}
            _ => {
                newest.insert(key, r.clone());
            }
        }
    }
    newest
}

/// Whether the service is left out (`bosun.update=false`).
pub(super) fn excluded(r: &Record) -> bool {
    r.label(UPDATE_LABEL).is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "false" | "no" | "off" | "0"
        )
    })
}

impl UpdatesService {
    /// Asks the registries about every service now and keeps the answers.
    pub async fn check_all(&self) -> Vec<ImageUpdateDto> {
        let _one_at_a_time = self.inner.checking.lock().await;
        let records = self.inner.engine.inventory().records();
        let mut found: Vec<ImageUpdateDto> = futures::stream::iter(services(&records))
            .map(|((project, service), record)| async move {
                self.check_one(&project, &service, &record).await
            })
            .buffer_unordered(PARALLEL)
            .collect()
            .await;
        found.extend(self.check_swarm().await);
        // The builds notified before, read once for all.
        let notified: std::collections::HashMap<(String, String), String> = self
            .inner
            .store
            .update_checks()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| Some(((r.project, r.service), r.notified_digest?)))
            .collect();
        for check in &found {
            let before = notified.get(&(check.project.clone(), check.service.clone()));
            self.keep(check, before).await;
        }
        self.inner.board.checks()
    }

    async fn check_one(&self, project: &str, service: &str, r: &Record) -> ImageUpdateDto {
        let now = self.inner.clock.now_ms();
        let mut dto = ImageUpdateDto {
            project: project.to_owned(),
            service: service.to_owned(),
            image: r.image.clone(),
            state: CheckState::Unchecked,
            current_digest: None,
            available_digest: None,
            built_at: None,
            checked_at: Some(rfc3339(now)),
            reason: None,
            rollback_to: None,
            swarm: false,
        };
        let reference = Reference::parse(&r.image);
        if excluded(r) {
            dto.state = CheckState::Excluded;
            dto.reason = Some(format!("Left out with the label {UPDATE_LABEL}=false."));
            return dto;
        }
        if reference.pinned {
            dto.state = CheckState::Pinned;
            dto.reason = Some("Referenced by digest, so it always means this build.".into());
            return dto;
        }
        let local = match images::local(&self.inner.engine, &r.image_id).await {
            Ok(local) => local,
            Err(e) => {
                dto.state = CheckState::Failed;
                dto.reason = Some(format!("Could not read the image it runs: {e}"));
                return dto;
            }
        };
        dto.current_digest = local
            .as_ref()
            .and_then(|l| reference.digest_in(&l.repo_digests));
        let Some(current) = dto.current_digest.clone() else {
            dto.state = CheckState::LocalBuild;
            dto.reason = Some(
                "Built on this host and never pushed to or pulled from a registry, so there is nothing to compare with.".into(),
            );
            return dto;
        };
        let login = self.login(&reference.registry);
        match images::remote_digest(&self.inner.engine, &r.image, login.as_ref()).await {
            Ok(remote) => {
                dto.state = if remote == current {
                    CheckState::Current
                } else {
                    CheckState::Available
                };
                if remote != current
                    && let Some(http) = &self.inner.http
                {
                    dto.built_at = match super::registry::built_at(http, &r.image, login.as_ref())
                        .await
                    {
                        Ok(at) => at,
                        Err(e) => {
                            tracing::info!(image = %r.image, error = %e, "could not read when the new build was made");
                            None
                        }
                    };
                }
                dto.available_digest = Some(remote);
            }
            Err(e) => {
                dto.state = CheckState::Failed;
                dto.reason = Some(format!(
                    "Could not ask {} about {}: {e}. Check that the registry is reachable from the Docker host{}.",
                    reference.registry,
                    r.image,
                    if login.is_none() {
                        " and, for a private image, that BOSUN_DOCKER_CONFIG has a login for it"
                    } else {
                        ""
                    }
                ));
            }
        }
        dto
    }

    /// Stores and shows a check; a build not notified before is notified now.
    async fn keep(&self, check: &ImageUpdateDto, notified: Option<&String>) {
        let fresh = check.state == CheckState::Available
            && check.available_digest.is_some()
            && check.available_digest.as_ref() != notified;
        let row = CheckRow {
            project: check.project.clone(),
            service: check.service.clone(),
            image: check.image.clone(),
            state: check.state.as_str().to_owned(),
            current_digest: check.current_digest.clone(),
            available_digest: check.available_digest.clone(),
            built_at: check.built_at.clone(),
            checked_at: Some(self.inner.clock.now_ms()),
            reason: check.reason.clone(),
            notified_digest: if fresh {
                check.available_digest.clone()
            } else {
                None
            },
        };
        if let Err(e) = self.inner.store.save_check(&row).await {
            tracing::error!(error = %e, "could not keep an update check");
        }
        self.inner.board.set_check(check.clone());
        if fresh {
            let (from, to) = (
                check
                    .current_digest
                    .as_deref()
                    .map(short_digest)
                    .unwrap_or_default(),
                check
                    .available_digest
                    .as_deref()
                    .map(short_digest)
                    .unwrap_or_default(),
            );
            self.inner.notifier.send(Notification::new(
                NotifyEvent::UpdateAvailable,
                Severity::Info,
                format!("Update available for {}/{}", check.project, check.service),
                format!("{} has a newer build: {from} → {to}. Update it from the Services page.", check.image),
                serde_json::json!({"project": check.project, "service": check.service, "image": check.image, "current_digest": check.current_digest, "available_digest": check.available_digest}),
            ));
        }
    }

    /// Checks every `every` (None: only on demand), the first time once the engine answers.
    pub async fn run_checks(self, every: Option<Duration>) {
        let Some(every) = every else {
            return;
        };
        let mut status = self.inner.engine.subscribe();
        loop {
            if status.wait_for(|s| s.connected).await.is_err() {
                return;
            }
            // Let the inventory fill after a (re)connect.
            tokio::time::sleep(Duration::from_secs(5)).await;
            self.check_all().await;
            let next = self.inner.clock.now_ms()
                + i64::try_from(every.as_millis()).unwrap_or(i64::MAX / 2);
            self.inner.clock.sleep_until(next).await;
        }
    }
}
