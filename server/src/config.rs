//! Layered, typed configuration: defaults → `omnify.toml` (or `--config FILE`) →
//! `OMNIFY_…` environment variables (`__` separates sections, e.g.
//! `OMNIFY_LLM__API_KEY`). Bad values fail at start-up with the offending key named.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use omnify_agent::ModelPrice;
use omnify_core::Secret;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the SQLite file, the vector index and downloaded model weights live.
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub llm: LlmSettings,
    pub agent: AgentSettings,
    pub platforms: PlatformSettings,
    pub demo: DemoSettings,
    pub log: LogSettings,
    pub secrets: SecretSettings,
    /// OAuth apps by platform key, for the "connect with OAuth" flow.
    pub oauth: HashMap<String, OAuthApp>,
    pub escalation: EscalationSettings,
    /// When an expert must approve a write action on top of the user.
    pub approvals: omnify_agent::approvals::ThresholdConfig,
    pub bench: BenchSettings,
    /// The Slack app: its HTTP routes when a signing secret is set, Socket Mode when an
    /// app token is.
    pub slack: SlackSettings,
    /// The web-chat widget for site visitors (see docs/webchat.md).
    pub widget: WidgetSettings,
    /// The knowledge base (see docs/knowledge.md).
    pub knowledge: crate::knowledge::KnowledgeSettings,
    /// The Discord application: its interactions endpoint when a public key is set, the
    /// Gateway when a bot token is (see docs/discord.md).
    pub discord: DiscordSettings,
}

/// The web-chat widget (`/widget.js`) and its anonymous visitors.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WidgetSettings {
    /// Signs visitor tokens (HMAC-SHA256). Empty: a key is generated once into
    /// `<data_dir>/widget.key`.
    pub secret: Secret,
    /// Sites (`https://brand.example`) whose pages may start visitor sessions and open
    /// the socket, besides this server's own origin; `"*"` allows any site.
    pub allowed_origins: Vec<String>,
    /// How long a visitor token lasts.
    pub token_ttl_days: u32,
    /// New visitor sessions per minute per client IP address.
    pub sessions_per_minute_per_ip: u32,
    /// In the demo only (`demo.sandbox` on, the demo tenant): visitors chat as members,
    /// so the demo page can answer questions about the demo brand's platforms.
    pub demo_members: bool,
    /// Per-tenant widget settings, keyed by tenant id: `[widget.tenants.<id>]`.
    pub tenants: HashMap<String, WidgetTenantSettings>,
}

/// One tenant's sites.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WidgetTenantSettings {
    /// The tenant's sites (`https://brand.example`) that may embed its widget, besides
    /// the server-wide `widget.allowed_origins`.
    pub allowed_origins: Vec<String>,
    /// Verifies identified visitors: the tenant's site signs an HS256 JWT about its
    /// logged-in user with this secret (docs/webchat.md). Empty: anonymous visitors only.
    pub identity_secret: Secret,
}

impl Default for WidgetSettings {
    fn default() -> Self {
        Self {
            secret: Secret::default(),
            allowed_origins: Vec::new(),
            token_ttl_days: 30,
            sessions_per_minute_per_ip: 20,
            demo_members: true,
            tenants: HashMap::new(),
        }
    }
}

/// The Discord application (see docs/discord.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscordSettings {
    /// "Application ID" on the application's General Information page.
    pub application_id: String,
    /// "Public Key" there (hex); interactions not signed with its private half get 401.
    pub public_key: String,
    /// The bot's token (Bot page): posts in threads, opens them, registers commands.
    pub bot_token: Secret,
    /// The REST API's host (a local stand-in in tests).
    pub api_base_url: String,
    /// The tenant of guilds not listed in `guild_tenants` (and of DMs); empty: the
    /// first tenant.
    pub tenant_id: Option<String>,
    /// Guild (server) id → tenant id, when several tenants share the application.
    pub guild_tenants: HashMap<String, String>,
    /// Least time between two edits of a streaming reply.
    pub update_interval_ms: u64,
    /// The channel where escalations are posted with Claim / Resolve buttons; empty: none.
    pub experts_channel_id: String,
    /// Discord user id → Omnify expert (id or email): whose clicks on Claim / Resolve
    /// and messages in escalation threads act as which expert.
    pub expert_users: HashMap<String, String>,
    /// Connect to the Gateway (mentions, thread messages, DMs, experts' replies) when a
    /// bot token is set; needs the Message Content intent switched on in the portal.
    pub gateway: bool,
}

impl Default for DiscordSettings {
    fn default() -> Self {
        Self {
            application_id: String::new(),
            public_key: String::new(),
            bot_token: Secret::default(),
            api_base_url: "https://discord.com".into(),
            tenant_id: None,
            guild_tenants: HashMap::new(),
            update_interval_ms: 1000,
            experts_channel_id: String::new(),
            expert_users: HashMap::new(),
            gateway: true,
        }
    }
}

/// The Slack app (see docs/slack.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlackSettings {
    /// From the app's "Basic Information" page; requests not signed with it get 401.
    pub signing_secret: Secret,
    /// The bot token (`xoxb-…`) of the one workspace served without OAuth installs.
    pub bot_token: Secret,
    /// The tenant that workspace's messages belong to; empty: the first tenant.
    pub tenant_id: Option<String>,
    /// The Web API's base URL (a local stand-in in tests).
    pub api_url: String,
    /// Least time between two edits of a streaming reply.
    pub update_interval_ms: u64,
    /// For OAuth installs in several workspaces (`GET /slack/install`).
    pub client_id: String,
    pub client_secret: Secret,
    /// Bot scopes requested by `GET /slack/install`.
    pub scopes: String,
    /// Where Slack sends the installer back; empty: `{server.public_url}/slack/oauth/callback`
    /// (or the request's Host when `public_url` is empty too).
    pub redirect_uri: String,
    /// The channel (`C…`, in the workspace of `bot_token`) where escalations are posted
    /// for experts to claim and answer in threads; empty: none.
    pub experts_channel: String,
    /// An app-level token (`xapp-…`, scope `connections:write`): when set, events,
    /// buttons and `/omnify` arrive over Socket Mode (no public URL needed).
    pub app_token: Secret,
    /// How long an event's acknowledgement waits for its message to be stored. Within
    /// it the message is stored before Slack hears back, so a crash loses nothing;
    /// past it (a burst queueing on SQLite's one writer) the acknowledgement goes
    /// first and the store lands just after. `0`: always acknowledge first.
    pub ack_waits_for_store_ms: u64,
}

/// Scopes the app needs: mentions, DMs and thread replies, posting and editing,
/// sharing charts as files.
pub const SLACK_DEFAULT_SCOPES: &str =
    "app_mentions:read,channels:history,groups:history,im:history,chat:write,commands,files:write";

impl Default for SlackSettings {
    fn default() -> Self {
        Self {
            signing_secret: Secret::default(),
            bot_token: Secret::default(),
            tenant_id: None,
            api_url: "https://slack.com/api".into(),
            update_interval_ms: 1000,
            client_id: String::new(),
            client_secret: Secret::default(),
            scopes: SLACK_DEFAULT_SCOPES.into(),
            redirect_uri: String::new(),
            experts_channel: String::new(),
            app_token: Secret::default(),
            ack_waits_for_store_ms: 5,
        }
    }
}

/// Switches for measuring the agent loop alone. Off in any real deployment.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BenchSettings {
    /// `get_marketing_performance` returns a small fixed result instead of calling
    /// the platforms, so a benchmark compares loops, not connectors.
    pub fixed_tool: bool,
}

/// When and how conversations go to human experts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EscalationSettings {
    /// Claim deadlines by urgency.
    pub sla: omnify_agent::escalation::SlaPolicy,
    /// Rules switched off globally or per tenant.
    pub policy: omnify_agent::escalation::PolicyConfig,
    /// How often overdue escalations are re-routed.
    pub reroute_interval_secs: u64,
}

impl Default for EscalationSettings {
    fn default() -> Self {
        Self {
            sla: Default::default(),
            policy: Default::default(),
            reroute_interval_secs: 30,
        }
    }
}

/// An OAuth 2.0 app registered with a platform (authorization-code flow).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: Secret,
    pub authorize_url: String,
    pub token_url: String,
    /// Space-separated, as the platform expects them.
    pub scopes: String,
}

/// Keys that seal platform credentials at rest.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecretSettings {
    /// `id:base64-of-32-bytes`, comma-separated, the sealing key first; older keys
    /// after it keep old values readable until `omnify secrets rotate` re-seals them.
    /// Empty: a key is generated once into `<data_dir>/secret.key` (fine for one
    /// machine; configure keys explicitly for anything shared).
    pub keys: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    /// 0 picks any free port; the bound address is printed.
    pub port: u16,
    /// Largest request body accepted (bytes); larger gets 413.
    pub max_body_bytes: usize,
    /// Longest chat message accepted (characters); longer gets 413.
    pub max_message_chars: usize,
    /// Chat requests per minute per API key; more gets 429 with `Retry-After`.
    pub rate_limit_per_minute: u32,
    /// The URL users reach this server at (for OAuth redirects and the links citations
    /// carry), e.g. `https://omnify.example.com`. Empty: OAuth takes the request's
    /// Host header, citation links the address the server listens on.
    pub public_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://…` or `postgres://…`. Empty: a SQLite file in the data directory.
    pub url: Secret,
    pub max_connections: u32,
}

/// One OpenAI-compatible provider.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderSettings {
    pub name: String,
    pub base_url: String,
    pub api_key: Secret,
    pub model: String,
    pub context_window: usize,
    pub max_retries: u32,
    pub timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmSettings {
    /// The primary provider. With neither a key nor a base URL set, the offline model answers.
    pub api_key: Secret,
    pub base_url: String,
    pub model: String,
    pub context_window: usize,
    pub max_retries: u32,
    pub timeout_secs: u64,
    /// Tried in order when the primary fails.
    pub fallbacks: Vec<ProviderSettings>,
    /// USD per million tokens, by model id prefix.
    pub prices: HashMap<String, ModelPrice>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentSettings {
    pub max_steps: u32,
    pub max_total_tokens: u64,
    pub turn_timeout_secs: u64,
    pub tool_timeout_secs: u64,
    pub max_output_tokens: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlatformSettings {
    pub meta: MetaSettings,
    pub google_ads: ApiSettings,
    pub tiktok: ApiSettings,
    /// Empty `base_url`: each shop's own `https://{shop}.myshopify.com`.
    pub shopify: ApiSettings,
    pub stripe: ApiSettings,
    pub triplewhale: ApiSettings,
    pub hubspot: ApiSettings,
    /// `api_version` is Klaviyo's dated `revision` header.
    pub klaviyo: ApiSettings,
    pub gohighlevel: ApiSettings,
    /// `api_version` is the `LinkedIn-Version` month (YYYYMM).
    pub linkedin: ApiSettings,
    /// The Analytics API; the Data API is at www.googleapis.com.
    pub youtube: ApiSettings,
}

/// Where a platform's real API is, for stored connections; versions expire, so they
/// are config, not code.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiSettings {
    pub base_url: String,
    pub api_version: String,
    /// OAuth token endpoint, for platforms that refresh tokens.
    pub token_url: String,
}

impl Default for PlatformSettings {
    fn default() -> Self {
        Self {
            meta: MetaSettings::default(),
            google_ads: ApiSettings {
                base_url: "https://googleads.googleapis.com".into(),
                api_version: "v26".into(),
                token_url: "https://oauth2.googleapis.com/token".into(),
            },
            tiktok: ApiSettings {
                base_url: "https://business-api.tiktok.com/open_api".into(),
                api_version: "v1.3".into(),
                token_url: String::new(),
            },
            shopify: ApiSettings {
                base_url: String::new(),
                api_version: "2026-10".into(),
                token_url: String::new(),
            },
            stripe: ApiSettings {
                base_url: "https://api.stripe.com".into(),
                api_version: "2025-03-31.basil".into(),
                token_url: String::new(),
            },
            triplewhale: ApiSettings {
                base_url: "https://api.triplewhale.com".into(),
                api_version: "v2".into(),
                token_url: String::new(),
            },
            hubspot: ApiSettings {
                base_url: "https://api.hubapi.com".into(),
                api_version: "v3".into(),
                token_url: String::new(),
            },
            klaviyo: ApiSettings {
                base_url: "https://a.klaviyo.com".into(),
                api_version: "2026-10-15".into(),
                token_url: String::new(),
            },
            gohighlevel: ApiSettings {
                base_url: "https://services.leadconnectorhq.com".into(),
                api_version: "2021-07-28".into(),
                token_url: String::new(),
            },
            linkedin: ApiSettings {
                base_url: "https://api.linkedin.com/rest".into(),
                api_version: "202603".into(),
                token_url: "https://www.linkedin.com/oauth/v2/accessToken".into(),
            },
            youtube: ApiSettings {
                base_url: "https://youtubeanalytics.googleapis.com".into(),
                api_version: "v2".into(),
                token_url: "https://oauth2.googleapis.com/token".into(),
            },
        }
    }
}

/// Meta Ads. With no access token, the local emulator serves the demo brand.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetaSettings {
    pub access_token: Secret,
    pub ad_account_id: String,
    pub base_url: String,
    pub api_version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoSettings {
    /// Serve the local platform emulators to tenants for every platform they have not
    /// connected. On for the demo; turn it off in production.
    pub sandbox: bool,
    /// Seed of the synthetic brand the emulators serve.
    pub seed: u64,
    /// Pin "today" (YYYY-MM-DD) so answers are reproducible; empty means the real date.
    pub today: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `omnify=debug,info`.
    pub filter: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            llm: LlmSettings::default(),
            agent: AgentSettings::default(),
            platforms: PlatformSettings::default(),
            demo: DemoSettings::default(),
            log: LogSettings::default(),
            secrets: SecretSettings::default(),
            oauth: HashMap::new(),
            escalation: EscalationSettings::default(),
            approvals: Default::default(),
            bench: BenchSettings::default(),
            slack: SlackSettings::default(),
            widget: WidgetSettings::default(),
            knowledge: crate::knowledge::KnowledgeSettings::default(),
            discord: DiscordSettings::default(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            max_body_bytes: 64 * 1024,
            max_message_chars: 8_000,
            rate_limit_per_minute: 120,
            public_url: String::new(),
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: Secret::default(),
            max_connections: 8,
        }
    }
}

impl Default for ProviderSettings {
    fn default() -> Self {
        Self {
            name: "fallback".into(),
            base_url: "https://api.openai.com/v1".into(),
            api_key: Secret::default(),
            model: "gpt-4o-mini".into(),
            context_window: 128_000,
            max_retries: 3,
            timeout_secs: 60,
        }
    }
}

impl Default for LlmSettings {
    fn default() -> Self {
        let price = |i, o| ModelPrice {
            input_per_million: i,
            output_per_million: o,
        };
        Self {
            api_key: Secret::default(),
            base_url: String::new(),
            model: "gpt-4o-mini".into(),
            context_window: 128_000,
            max_retries: 3,
            timeout_secs: 60,
            fallbacks: Vec::new(),
            prices: HashMap::from([
                ("gpt-4o-mini".to_string(), price(0.15, 0.60)),
                ("gpt-4o".to_string(), price(2.50, 10.00)),
                ("gpt-4.1-mini".to_string(), price(0.40, 1.60)),
                ("gpt-4.1".to_string(), price(2.00, 8.00)),
                ("offline".to_string(), price(0.0, 0.0)),
            ]),
        }
    }
}

impl LlmSettings {
    /// A provider is configured when a key or an endpoint is given (local servers such
    /// as Ollama need no key).
    pub fn is_configured(&self) -> bool {
        !self.api_key.is_empty() || !self.base_url.is_empty()
    }

    pub fn primary(&self) -> ProviderSettings {
        ProviderSettings {
            name: "primary".into(),
            base_url: if self.base_url.is_empty() {
                "https://api.openai.com/v1".into()
            } else {
                self.base_url.clone()
            },
            api_key: self.api_key.clone(),
            model: self.model.clone(),
            context_window: self.context_window,
            max_retries: self.max_retries,
            timeout_secs: self.timeout_secs,
        }
    }
}

impl Default for AgentSettings {
    fn default() -> Self {
        Self {
            max_steps: 8,
            max_total_tokens: 200_000,
            turn_timeout_secs: 120,
            tool_timeout_secs: 90,
            max_output_tokens: 1024,
        }
    }
}

impl Default for MetaSettings {
    fn default() -> Self {
        Self {
            access_token: Secret::default(),
            ad_account_id: String::new(),
            base_url: "https://graph.facebook.com".into(),
            api_version: "v26.0".into(),
        }
    }
}

impl Default for DemoSettings {
    fn default() -> Self {
        Self {
            sandbox: true,
            seed: omnify_tools::Brand::DEFAULT_SEED,
            today: None,
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            filter: "info".into(),
        }
    }
}

impl Settings {
    /// Load defaults, then the TOML file (the given one must exist; `omnify.toml` in the
    /// working directory is read when present), then `OMNIFY_…` variables.
    pub fn load(config_file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match config_file {
            Some(path) => {
                if !path.exists() {
                    let missing = format!("config file {} does not exist", path.display());
                    return Err(Box::new(figment::Error::from(missing)));
                }
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file("omnify.toml")),
        }
        figment
            // `OMNIFY_TEST_…` variables configure the test suites, not the server.
            .merge(
                Env::prefixed("OMNIFY_")
                    .filter(|key| !key.as_str().to_ascii_lowercase().starts_with("test_"))
                    .split("__"),
            )
            .extract()
            .map_err(Box::new)
    }

    /// The database URL, defaulting to a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("omnify.db").display()
            )
        } else {
            self.database.url.expose().to_string()
        }
    }

    /// "Today" for date arithmetic: pinned in config, or the real date.
    pub fn today(&self) -> chrono::NaiveDate {
        self.demo
            .today
            .unwrap_or_else(|| chrono::Utc::now().date_naive())
    }
}

#[cfg(test)]
mod tests {
    // figment's Jail fixes the closure's error type.
    #![allow(clippy::result_large_err)]
    use super::*;

    #[test]
    fn file_then_environment_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "omnify.toml",
                "[server]\nport = 9000\n[llm]\nmodel = \"gpt-4.1\"\n",
            )?;
            jail.set_env("OMNIFY_SERVER__PORT", "9100");
            jail.set_env("OMNIFY_LLM__API_KEY", "sk-test");
            jail.set_env("OMNIFY_TEST_DATABASE_URL", "postgres://ignored");
            let s = Settings::load(None).unwrap();
            assert_eq!(s.server.port, 9100);
            assert_eq!(s.llm.model, "gpt-4.1");
            assert_eq!(s.llm.api_key.expose(), "sk-test");
            assert!(s.llm.is_configured());
            assert!(
                !format!("{s:?}").contains("sk-test"),
                "Debug must not show secrets"
            );
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_and_missing_files_fail_fast() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "[server]\nprot = 1\n")?;
            let err = Settings::load(Some(Path::new("bad.toml"))).unwrap_err();
            assert!(err.to_string().contains("prot"), "{err}");
            assert!(Settings::load(Some(Path::new("missing.toml"))).is_err());
            Ok(())
        });
    }

    #[test]
    fn sqlite_in_the_data_dir_is_the_default_database() {
        let s = Settings {
            data_dir: PathBuf::from("/tmp/x"),
            ..Settings::default()
        };
        assert_eq!(s.database_url(), "sqlite:///tmp/x/omnify.db?mode=rwc");
    }
}
