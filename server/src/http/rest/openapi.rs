use axum::extract::State;
use axum::response::IntoResponse;
use bosun_frontend::authz::ViewerRole;
use bosun_frontend::error::AppError;

use crate::http::AppState;
use crate::http::extract::Auth;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json"), (status = 401, body = AppError)))]
pub async fn document(
    State(state): State<AppState>,
    Auth(_actor): Auth<ViewerRole>,
) -> impl IntoResponse {
    (
        [(http::header::CONTENT_TYPE, "application/json")],
        state.openapi_json.clone(),
    )
}

/// Every operation that takes a path or query parameter or a body can answer 400 naming the
/// bad one (the extractors in `http::extract` do that before the handler runs), so the
/// document says so for each, not only where a handler validates further.
pub fn document_bad_input(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    for item in doc.paths.paths.values_mut() {
        let item_params = item.parameters.as_ref().is_some_and(|p| !p.is_empty());
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for op in operations.into_iter().flatten() {
            let takes_input = item_params
                || op.parameters.as_ref().is_some_and(|p| !p.is_empty())
                || op.request_body.is_some();
            if takes_input && !op.responses.responses.contains_key("400") {
                let response = ResponseBuilder::new()
                    .description("A parameter or the body is not valid; `field` names it")
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("AppError")))
                            .build(),
                    )
                    .build();
                op.responses
                    .responses
                    .insert("400".to_owned(), RefOr::T(response));
            }
        }
    }
}
