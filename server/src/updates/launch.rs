//! Starting a run that was checked, claimed and recorded: it shows at once (live and on the
//! service's card) and goes on in the background.

use std::time::Duration;

use bosun_frontend::model::ImageRef;
use tokio::sync::watch;

use super::UpdatesService;
use super::run::Job;
use crate::audit::Owner;
use crate::busy::Claim;
use crate::docker::containers::Listed;

/// What a run starts from, once checked, claimed and recorded.
pub(super) struct Start {
    pub claim: Claim,
    pub owner: Owner,
    pub members: Vec<Listed>,
    pub wait: Duration,
    pub swarm: bool,
    pub to: Option<ImageRef>,
}

impl Job {
    /// Shows the recorded run (live and on the card) and runs it in the background.
    pub(super) fn launch(
        service: &UpdatesService,
        row: &crate::store::updates::UpdateRow,
        start: Start,
    ) -> bosun_frontend::model::UpdateStarted {
        let dto = row.dto();
        let (tx, _) = watch::channel(dto.clone());
        service.live_runs().insert(dto.id, tx.clone());
        service.inner.board.set_run(dto.clone());
        let job = Job {
            service: service.clone(),
            claim: start.claim,
            owner: start.owner,
            members: start.members,
            wait: start.wait,
            dto,
            tx,
            plan: Vec::new(),
            swarm: start.swarm,
        };
        tokio::spawn(job.run(start.to));
        bosun_frontend::model::UpdateStarted { id: row.id }
    }
}
