//! The HTTP surface: routes, limits and the JSON error shape.

pub mod actions;
pub mod articles;
pub mod auth;
pub mod charts;
pub mod chat;
pub mod connections;
pub mod console;
pub mod conversations;
pub mod documents;
pub mod error;
pub mod experts;
pub mod health;
pub mod knowledge;
pub mod limits;
pub mod oauth;
pub mod ws;

use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

pub fn router(state: AppState) -> Router {
    let max_body = state.settings.server.max_body_bytes;
    Router::new()
        .route("/api/v1/chat", post(chat::post_chat))
        .route(
            "/api/v1/conversations/{id}",
            get(conversations::get_conversation),
        )
        .route("/api/v1/ws", get(ws::upgrade))
        .route("/api/v1/charts/{file}", get(charts::get_chart))
        .route(
            "/api/v1/knowledge/documents",
            post(knowledge::upload)
                .get(knowledge::list)
                .layer(DefaultBodyLimit::max(
                    state.settings.knowledge.max_upload_bytes,
                )),
        )
        .route(
            "/api/v1/knowledge/documents/{*id}",
            axum::routing::delete(knowledge::remove),
        )
        .route("/api/v1/knowledge/search", get(knowledge::search))
        .route("/kb/{tenant}", get(documents::document_page))
        .route("/api/v1/platforms", get(connections::list_platforms))
        .route(
            "/api/v1/connections",
            post(connections::create).get(connections::list),
        )
        .route(
            "/api/v1/connections/{id}",
            axum::routing::delete(connections::remove),
        )
        .route("/api/v1/connections/{id}/test", post(connections::test))
        .route(
            "/api/v1/connections/oauth/{platform}/start",
            post(oauth::start),
        )
        .route("/oauth/{platform}/callback", get(oauth::callback))
        .route("/api/v1/experts", post(experts::create_expert))
        .route(
            "/api/v1/experts/{id}/password",
            axum::routing::put(experts::set_password),
        )
        .route("/api/v1/actions/{id}", get(actions::get_action))
        .route("/api/v1/actions/{id}/confirm", post(actions::confirm))
        .route("/api/v1/actions/{id}/cancel", post(actions::cancel))
        .route("/api/v1/audit", get(actions::audit))
        .route("/api/v1/expert/actions", get(actions::awaiting))
        .route(
            "/api/v1/expert/actions/{id}/approve",
            post(actions::approve),
        )
        .route("/api/v1/expert/actions/{id}/reject", post(actions::reject))
        .route("/api/v1/expert/queue", get(experts::queue))
        .route(
            "/api/v1/expert/escalations/{id}/article",
            post(articles::propose),
        )
        .route("/api/v1/expert/articles", get(articles::proposed))
        .route(
            "/api/v1/expert/articles/{id}",
            axum::routing::put(articles::edit),
        )
        .route("/api/v1/expert/articles/{id}/publish", post(articles::publish))
        .route("/api/v1/expert/articles/{id}/reject", post(articles::reject))
        .route(
            "/api/v1/expert/status",
            axum::routing::put(experts::set_status),
        )
        .route("/api/v1/expert/escalations/{id}", get(experts::detail))
        .route(
            "/api/v1/expert/escalations/{id}/claim",
            post(experts::claim),
        )
        .route(
            "/api/v1/expert/escalations/{id}/messages",
            post(experts::reply),
        )
        .route(
            "/api/v1/expert/escalations/{id}/resolve",
            post(experts::resolve),
        )
        .merge(console::routes())
        .merge(crate::widget::routes::routes())
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(health::not_found)
        .layer(DefaultBodyLimit::max(max_body))
        // The path only: query strings can carry secrets (`?access_token=` on the
        // WebSocket, `?code=` on OAuth callbacks) and must never reach the logs.
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        }))
        .with_state(state)
}
