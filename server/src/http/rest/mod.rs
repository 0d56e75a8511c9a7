//! REST API under /api/v1: the same services as the pages, documented by OpenAPI.
//! Each operation's `security` lists the least role it needs as the scope; the route × role
//! security test reads it back from the document and checks the server agrees.

pub mod attention;
pub mod audit;
pub mod backups;
pub mod certificates;
pub mod engine;
pub mod links;
pub mod logs;
pub mod me;
pub mod openapi;
pub mod services;
pub mod session;
pub mod settings;
pub mod swarm;
pub mod tasks;
pub mod terminal;
pub mod tokens;
pub mod updates;
pub mod users;
pub mod webhooks;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "bosun", description = "Admin console for Docker Compose stacks."),
    modifiers(&SecuritySchemes),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "me", description = "The signed-in user"),
        (name = "users", description = "User administration (admin)"),
        (name = "tokens", description = "API tokens of the signed-in user"),
        (name = "audit", description = "The audit log (admin)"),
        (name = "engine", description = "The Docker engine connection"),
        (name = "logs", description = "Container, service and project logs: text, download, live"),
        (name = "services", description = "Compose projects, services, containers, stats and monitor links"),
        (name = "backups", description = "Database backups: take, list, download, restore, schedule"),
        (name = "certificates", description = "Certificates: inventory, renewal, upload, the internal CA"),
        (name = "tasks", description = "Runbook tasks: named maintenance commands, their runs, live output"),
        (name = "updates", description = "Image updates: newer builds in registries, updates behind a health gate, rollbacks"),
        (name = "terminal", description = "Terminals in containers over a WebSocket (BOSUN_TERMINAL), and their transcripts"),
        (name = "swarm", description = "Swarm services and their tasks, when the engine is a manager"),
        (name = "settings", description = "Settings admins keep in bosun (admin)"),
        (name = "notifications", description = "Webhook targets for failures and warnings (admin)"),
        (name = "meta", description = "This API's own description"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(super::SESSION_COOKIE))),
        );
    }
}

/// The REST routes and the OpenAPI document describing exactly them.
pub fn api() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let router = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::login, session::logout))
        .routes(routes!(me::me))
        .routes(routes!(me::change_password))
        .routes(routes!(me::logout_all))
        .routes(routes!(me::totp_start, me::totp_disable))
        .routes(routes!(me::totp_confirm))
        .routes(routes!(me::passkeys))
        .routes(routes!(me::revoke_passkey))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::update, users::delete))
        .routes(routes!(users::reset_totp))
        .routes(routes!(settings::security, settings::set_security))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::delete))
        .routes(routes!(webhooks::test))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(audit::list))
        .routes(routes!(engine::status))
        .routes(routes!(engine::events))
        .routes(routes!(services::overview::get))
        .routes(routes!(services::overview::events))
        .routes(routes!(attention::get))
        .routes(routes!(attention::events))
        .routes(routes!(services::projects::list))
        .routes(routes!(services::projects::get))
        .routes(routes!(services::projects::service))
        .routes(routes!(services::projects::service_action))
        .routes(routes!(services::projects::scale))
        .routes(routes!(services::containers::action))
        .routes(routes!(services::containers::details))
        .routes(routes!(services::projects::compose))
        .routes(routes!(services::containers::reveal))
        .routes(routes!(terminal::open))
        .routes(routes!(terminal::transcript))
        .routes(routes!(links::list))
        .routes(routes!(logs::of_container))
        .routes(routes!(logs::of_service))
        .routes(routes!(logs::of_project))
        .routes(routes!(logs::download_container))
        .routes(routes!(logs::download_service))
        .routes(routes!(logs::download_project))
        .routes(routes!(logs::of_swarm_service))
        .routes(routes!(logs::download_swarm_service))
        .routes(routes!(swarm::list))
        .routes(routes!(swarm::events))
        .routes(routes!(swarm::scale))
        .routes(routes!(backups::databases))
        .routes(routes!(backups::events))
        .routes(routes!(backups::list, backups::create))
        .routes(routes!(backups::get, backups::delete))
        .routes(routes!(backups::download))
        .routes(routes!(backups::decrypted::download))
        .routes(routes!(backups::restore))
        .routes(routes!(backups::verify))
        .routes(routes!(backups::sets::create))
        .routes(routes!(backups::sets::get, backups::sets::delete))
        .routes(routes!(backups::sets::schedules))
        .routes(routes!(
            backups::sets::put_schedule,
            backups::sets::delete_schedule
        ))
        .routes(routes!(backups::sets::restore))
        .routes(routes!(
            backups::schedules::list,
            backups::schedules::set,
            backups::schedules::delete
        ))
        .routes(routes!(certificates::list, certificates::upload))
        .routes(routes!(certificates::events))
        .routes(routes!(certificates::get))
        .routes(routes!(certificates::renew))
        .routes(routes!(certificates::ca_pem))
        .routes(routes!(tasks::list))
        .routes(routes!(tasks::run, tasks::history))
        .routes(routes!(tasks::runs::get))
        .routes(routes!(tasks::runs::output))
        .routes(routes!(tasks::runs::events))
        .routes(routes!(tasks::runs::cancel))
        .routes(routes!(tasks::defined::list, tasks::defined::create))
        .routes(routes!(tasks::defined::delete))
        .routes(routes!(updates::list))
        .routes(routes!(updates::check))
        .routes(routes!(updates::update))
        .routes(routes!(updates::rollback))
        .routes(routes!(updates::history))
        .routes(routes!(updates::get))
        .routes(routes!(updates::events))
        .routes(routes!(updates::swarm_update))
        .routes(routes!(updates::swarm_rollback))
        .routes(routes!(services::stats::status))
        .routes(routes!(services::stats::events))
        .routes(routes!(services::stats::history))
        .routes(routes!(openapi::document));
    let (router, mut doc) = router.split_for_parts();
    openapi::document_bad_input(&mut doc);
    (router, doc)
}
