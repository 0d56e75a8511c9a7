//! What needs attention, live: the engine's picture, the backups and the certificates, each
//! followed as their own pages follow them, worked out together into one list (see
//! `bosun_frontend::model::attention`) and sent again only when it changes.

use bosun_frontend::model::attention::{self, AttentionView};
use bosun_frontend::model::{BackupsView, CertificatesView, Overview};
use bosun_frontend::ports::ViewOptions;
use futures::{Stream, StreamExt};

use crate::backups::BackupService;
use crate::certs::CertService;
use crate::services::Services;

enum Part {
    Engine(Box<Overview>),
    Backups(Box<BackupsView>),
    Certs(Box<CertificatesView>),
}

#[derive(Default)]
struct Latest {
    engine: Option<Overview>,
    backups: Option<BackupsView>,
    certs: Option<CertificatesView>,
    sent: Option<AttentionView>,
}

/// The view once all three sources have spoken, then again on every change that alters it.
pub fn follow(
    services: &Services,
    backups: &BackupService,
    certs: &CertService,
) -> impl Stream<Item = AttentionView> + Send + use<> {
    let options = ViewOptions {
        host: String::new(),
        include_oneoff: false,
    };
    let parts = futures::stream::select(
        services.follow(options).map(|o| Part::Engine(Box::new(o))),
        futures::stream::select(
            backups.follow().map(|b| Part::Backups(Box::new(b))),
            certs.follow().map(|c| Part::Certs(Box::new(c))),
        ),
    );
    parts
        .scan(Latest::default(), |latest, part| {
            match part {
                Part::Engine(o) => latest.engine = Some(*o),
                Part::Backups(b) => latest.backups = Some(*b),
                Part::Certs(c) => latest.certs = Some(*c),
            }
            futures::future::ready(Some(changed(latest)))
        })
        .filter_map(futures::future::ready)
}

/// The new view, if all sources have spoken and it differs from the one sent last.
fn changed(latest: &mut Latest) -> Option<AttentionView> {
    let (Some(o), Some(b), Some(c)) = (&latest.engine, &latest.backups, &latest.certs) else {
        return None;
    };
    let now = crate::store::now_ms();
    let view = attention::view(o, Some(b), Some(c), now / 1000, crate::store::rfc3339(now));
    let same = latest
        .sent
        .as_ref()
        .is_some_and(|s| s.counts == view.counts && s.items == view.items);
    if same {
        return None;
    }
    latest.sent = Some(view.clone());
    Some(view)
}
