//! What the Certificates page provides to its parts: the admin flag, the actions, the live view.

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
}
