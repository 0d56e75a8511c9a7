//! What the Certificates page provides to its parts: the admin flag, the actions, the live view,
//! and what an admin has typed into the renew forms.

use std::collections::HashMap;

use leptos::prelude::*;

use crate::api::certs::{RenewCertificate, UploadCertificate};
use crate::model::CertificatesView;

/// What the Certificates page's parts share.
#[derive(Clone, Copy)]
pub struct CertsCtx {
    pub admin: bool,
    pub renew: ServerAction<RenewCertificate>,
    pub upload: ServerAction<UploadCertificate>,
    pub data: RwSignal<CertificatesView>,
    /// Each card's renew form as the admin left it, by certificate id. Every live update draws
    /// the cards anew; the forms start from here, so nothing typed is lost to a redraw.
    pub drafts: StoredValue<HashMap<String, RenewDraft>>,
}

/// A renew form's fields as typed: the source, the names, the reload lines, and the
/// confirmation with the names it confirmed (a tick counts only for the names it was given).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenewDraft {
    pub source: String,
    pub names: String,
    pub reload: String,
    pub confirm: bool,
    pub unconfirmed: Vec<String>,
}
