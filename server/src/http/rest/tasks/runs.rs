//! Task runs: how one stands, its output as text, its live events, cancelling it.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use bosun_frontend::authz::OperatorRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{CancelReport, RunEvent, RunId, TaskRunDto};
use bosun_frontend::ports::TasksPort;
use futures::StreamExt;
use http::header;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, PathParams, param};

fn run_id(raw: &str) -> Result<i64, ApiError> {
    let RunId(id) = param("id", raw)?;
    Ok(id)
}

/// One run: task, service, container, the exact argument list, status, exit code, times and
/// who ran it.
#[utoipa::path(get, path = "/api/v1/task-runs/{id}", tag = "tasks",
    params(("id" = i64, Path, description = "Run id")),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, body = TaskRunDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams(id): PathParams<String>,
) -> Result<Json<TaskRunDto>, ApiError> {
    let id = run_id(&id)?;
    Ok(Json(state.app.tasks.get(&actor, id).await?))
}

/// The run's kept output (stdout and stderr in the order they came, at most 5 MB, colour
/// codes stripped), as plain text.
#[utoipa::path(get, path = "/api/v1/task-runs/{id}/output", tag = "tasks",
    params(("id" = i64, Path, description = "Run id")),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, description = "The output as text", content_type = "text/plain"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError)))]
pub async fn output(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams(id): PathParams<String>,
) -> Result<Response, ApiError> {
    let id = run_id(&id)?;
    let chunks = state.app.tasks.output(&actor, id).await?;
    let text: String = chunks.into_iter().map(|c| c.text).collect();
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// Server-sent events of `RunEvent`: the run first, then its output (what came before, then
/// as it arrives, stdout and stderr apart), then the run once it has ended, which ends the
/// stream. A finished run gives the run, its output and the run again.
#[utoipa::path(get, path = "/api/v1/task-runs/{id}/events", tag = "tasks",
    params(("id" = i64, Path, description = "Run id")),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, description = "text/event-stream of RunEvent", content_type = "text/event-stream", body = RunEvent), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 429, body = AppError)))]
pub async fn events(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams(id): PathParams<String>,
) -> Result<Response, ApiError> {
    let id = run_id(&id)?;
    let events = state.app.tasks.events(&actor, id).await?.map(|e| {
        Ok::<_, Infallible>(
            Event::default()
                .json_data(e)
                .unwrap_or_else(|_| Event::default()),
        )
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// Cancels a running run: a one-off container (mode run) is stopped and removed, the process
/// of an exec is signalled (SIGTERM, then SIGKILL), as far as the engine allows; the answer
/// says what happened. 409 when the run is not running.
#[utoipa::path(post, path = "/api/v1/task-runs/{id}/cancel", tag = "tasks",
    params(("id" = i64, Path, description = "Run id")),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, body = CancelReport), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError)))]
pub async fn cancel(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams(id): PathParams<String>,
) -> Result<Json<CancelReport>, ApiError> {
    let id = run_id(&id)?;
    Ok(Json(state.app.tasks.cancel(&actor, id).await?))
}
