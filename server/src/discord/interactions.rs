//! `POST /discord/interactions`: the signature is checked on the raw body (401 when it
//! is missing or forged), PING gets PONG, and everything else is answered within
//! Discord's three seconds — deferred when work follows in a task of its own.

use super::adapter::interaction::{self, Command, Request};
use super::{DiscordApp, commands, error};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub async fn handle(
    State(app): State<Arc<DiscordApp>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = app.verify(&headers, &body) {
        return refused;
    }
    let request = match interaction::parse(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_request", &e.to_string()),
    };
    let reply = match request {
        Request::Ping => interaction::pong(),
        Request::Command { context, command } => {
            if !app.first_sight(&context.interaction_id) {
                return Json(interaction::ephemeral(
                    "This request was already received; its answer is on the way.",
                ))
                .into_response();
            }
            tracing::info!(interaction = %context.interaction_id, ?command, "Discord command");
            match command {
                Command::Ask { question } => {
                    tokio::spawn(commands::ask(app.clone(), context, question));
                    interaction::deferred()
                }
                Command::Report => {
                    tokio::spawn(commands::ask(
                        app.clone(),
                        context,
                        commands::REPORT_QUESTION.to_string(),
                    ));
                    interaction::deferred()
                }
                Command::Connect { platform } => {
                    interaction::ephemeral(&commands::connect(&app, platform.as_deref()))
                }
                Command::Help => interaction::ephemeral(&commands::help(&app)),
            }
        }
        Request::Button {
            context,
            button,
            message_content,
            ..
        } => {
            if !app.first_sight(&context.interaction_id) {
                return Json(interaction::deferred_update()).into_response();
            }
            tokio::spawn(super::buttons::click(
                app.clone(),
                context,
                button,
                message_content,
            ));
            interaction::deferred_update()
        }
        Request::Other => {
            interaction::ephemeral("Omnify does not handle this interaction; try `/omnify help`.")
        }
    };
    Json(reply).into_response()
}
