//! The `/omnify` slash command as Discord registers it (`omnify discord
//! register-commands` sends these with `PUT /applications/{id}/commands`).

use crate::discord::interaction::COMMAND;
use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::application::{CommandOptionType, InteractionContext};

/// `/omnify ask <question>`, `/omnify report`, `/omnify connect [platform]`, `/omnify help`.
pub fn commands() -> Vec<CreateCommand> {
    let sub = |name: &str, description: &str| {
        CreateCommandOption::new(CommandOptionType::SubCommand, name, description)
    };
    let text = |name: &str, description: &str, required: bool| {
        CreateCommandOption::new(CommandOptionType::String, name, description)
            .required(required)
            .max_length(1500)
    };
    vec![
        CreateCommand::new(COMMAND)
            .description("Ask Omnify about your marketing")
            .contexts(vec![InteractionContext::Guild, InteractionContext::BotDm])
            .add_option(
                sub(
                    "ask",
                    "Ask a question about your marketing; the answer opens a thread",
                )
                .add_sub_option(text(
                    "question",
                    "e.g. how did Meta do last week?",
                    true,
                )),
            )
            .add_option(sub("report", "How did all platforms do last week?"))
            .add_option(
                sub(
                    "connect",
                    "How to connect a platform (never paste credentials in Discord)",
                )
                .add_sub_option(text("platform", "e.g. meta, shopify", false)),
            )
            .add_option(sub("help", "What Omnify can do here")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_serialises_with_its_subcommands() {
        let json = serde_json::to_value(commands()).unwrap();
        assert_eq!(json[0]["name"], "omnify");
        let subs: Vec<&str> = json[0]["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        assert_eq!(subs, ["ask", "report", "connect", "help"]);
        assert_eq!(json[0]["options"][0]["type"], 1);
        assert_eq!(json[0]["options"][0]["options"][0]["required"], true);
        assert_eq!(json[0]["contexts"], serde_json::json!([0, 1]));
    }
}
