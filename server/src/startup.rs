//! Building the application from settings: the store, the model, the tools, the
//! emulators when no real platform is configured, and the HTTP listener.

use crate::api;
use crate::api::limits::RateLimiter;
use crate::cache::TtlCache;
use crate::config::{ProviderSettings, Settings};
use crate::connections::platforms::{self, BuildContext, Credentials, PlatformConnector};
use crate::connections::{Connections, keys};
use crate::fixed_tool::FixedResultTool;
use crate::hub::ConversationHub;
use crate::state::{AppState, TurnLocks};
use anyhow::Context;
use omnify_agent::approvals::{ApprovalDesk, ProposalTool};
use omnify_agent::escalation::{EscalateTool, EscalationDesk};
use omnify_agent::{Agent, PriceTable, ToolRegistry, TurnLimits, UserRole};
use omnify_core::WriteAction;
use omnify_core::{ChatModel, Secret};
use omnify_knowledge::links::DocumentLinks;
use omnify_llm::offline::OfflineModel;
use omnify_llm::openai::RetryPolicy;
use omnify_llm::{FallbackChain, OpenAiModel, OpenAiSettings};
use omnify_store::SqlStore;
use omnify_tools::sandbox::brand::BrandConfig;
use omnify_tools::sandbox::{RunningSandbox, spawn as spawn_sandbox};
use omnify_tools::{
    AttributionSummaryTool, Brand, ClientDirectory, EmailPerformanceTool, PerformanceTool,
    PipelineSummaryTool, PlatformClients, SearchCrmTool, StoreSalesTool, SubscriptionMetricsTool,
    YouTubeStatsTool,
};
use omnify_tools::{ChangeBudgetAction, PauseCampaignAction};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// The ad platforms `get_marketing_performance` reads; it is offered when any is connected.
const AD_PLATFORMS: [&str; 4] = ["meta", "google_ads", "tiktok", "linkedin"];

/// Everything the server runs with, minus the listener (shared with `omnify ask`).
pub struct Runtime {
    pub state: AppState,
    /// The local platform emulators, when no real credentials are configured. Kept
    /// here so they live as long as the server.
    pub sandbox: Option<RunningSandbox>,
    /// A key printed once when this start created the demo tenant.
    pub demo_key: Option<(String, Secret)>,
}

pub async fn connect_store(settings: &Settings) -> anyhow::Result<SqlStore> {
    std::fs::create_dir_all(&settings.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            settings.data_dir.display()
        )
    })?;
    let store =
        SqlStore::connect(&settings.database_url(), settings.database.max_connections).await?;
    store.migrate().await?;
    Ok(store)
}

pub async fn build_runtime(settings: Settings) -> anyhow::Result<Runtime> {
    let settings = Arc::new(settings);
    let store = connect_store(&settings).await?;
    let demo_key = ensure_demo_tenant(&store).await?;
    // The oldest tenant is the demo brand's (the demo page at `/` chats with it).
    let widget = crate::widget::Widget::new(&settings, store.first_tenant_id().await?)?;

    let connectors = platforms::all(&settings);
    let (defaults, sandbox) = default_clients(&settings, &connectors).await?;
    let connections = Arc::new(Connections::new(
        store.clone(),
        keys::secret_box(&settings)?,
        connectors,
        defaults,
        settings.today(),
    ));
    let directory: Arc<dyn ClientDirectory> = connections.clone();
    let desk = Arc::new(EscalationDesk::new(
        Arc::new(store.clone()),
        settings.escalation.sla.clone(),
        settings.escalation.policy.clone(),
    ));
    let mut tools = ToolRegistry::new();
    let performance = PerformanceTool::new(directory.clone());
    if settings.bench.fixed_tool {
        tracing::warn!("bench.fixed_tool is on: get_marketing_performance returns fixed numbers");
        tools.register(
            Arc::new(FixedResultTool::like(&performance)),
            &AD_PLATFORMS,
            UserRole::Member,
        );
    } else {
        tools.register(Arc::new(performance), &AD_PLATFORMS, UserRole::Member);
    }
    tools.register(
        Arc::new(StoreSalesTool::new(directory.clone())),
        &["shopify"],
        UserRole::Member,
    );
    tools.register(
        Arc::new(SubscriptionMetricsTool::new(directory.clone())),
        &["stripe"],
        UserRole::Member,
    );
    tools.register(
        Arc::new(AttributionSummaryTool::new(directory.clone())),
        &["triplewhale"],
        UserRole::Member,
    );
    tools.register(
        Arc::new(SearchCrmTool::new(directory.clone())),
        &["hubspot", "gohighlevel"],
        UserRole::Member,
    );
    tools.register(
        Arc::new(PipelineSummaryTool::new(directory.clone())),
        &["hubspot", "gohighlevel"],
        UserRole::Member,
    );
    tools.register(
        Arc::new(EmailPerformanceTool::new(directory.clone())),
        &["klaviyo"],
        UserRole::Member,
    );
    tools.register(
        Arc::new(YouTubeStatsTool::new(directory.clone())),
        &["youtube"],
        UserRole::Member,
    );
    tools.register(
        Arc::new(EscalateTool::new(desk.clone())),
        &[],
        UserRole::Visitor,
    );
    // One model for the turn loop and the copy scorer's second opinion.
    let model = build_model(&settings)?;
    register_analytics(&mut tools, &directory, &settings, &model);
    let knowledge = crate::knowledge::build(&settings).await?;
    let document_links = Arc::new(
        DocumentLinks::new(&crate::widget::signing_key(&settings)?)
            .context("the signing key is empty")?,
    );
    if !settings.server.public_url.is_empty() {
        document_links.set_base(&settings.server.public_url);
    }
    if let Some(knowledge) = &knowledge {
        // Hashed words fused with BM25 rank worse than BM25 alone (docs/knowledge.md):
        // without a real embedding model, search by words only.
        let mode = if knowledge.embedder().model_id() == omnify_knowledge::embed::hashing::MODEL_ID
        {
            omnify_knowledge::SearchMode::Lexical
        } else {
            omnify_knowledge::SearchMode::Hybrid
        };
        tools.register(
            Arc::new(
                omnify_knowledge::SearchKnowledgeTool::new(knowledge.clone())
                    .with_mode(mode)
                    .with_links(document_links.clone()),
            ),
            &[],
            UserRole::Member,
        );
        if let Some(demo) = widget.demo_tenant.clone() {
            crate::knowledge::sync_seed_documents(
                knowledge.clone(),
                demo,
                settings.knowledge.seed_dir.clone(),
            );
        }
    }

    // The same actions back the proposal tools the model calls and the desk that
    // executes them once approved.
    let actions: Vec<Arc<dyn WriteAction>> = vec![
        Arc::new(ChangeBudgetAction::new(directory.clone())),
        Arc::new(PauseCampaignAction::new(directory.clone())),
    ];
    let approvals = Arc::new(ApprovalDesk::new(Arc::new(store.clone()), actions.clone()));
    for action in actions {
        let proposal =
            ProposalTool::new(action, Arc::new(store.clone()), settings.approvals.clone());
        tools.register(
            Arc::new(proposal),
            omnify_tools::actions::WRITABLE_PLATFORMS,
            UserRole::Member,
        );
    }

    let agent = Agent::new(
        model,
        Arc::new(store.clone()),
        tools,
        PriceTable::new(settings.llm.prices.clone()),
        TurnLimits {
            max_steps: settings.agent.max_steps,
            max_total_tokens: settings.agent.max_total_tokens,
            wall_time: Duration::from_secs(settings.agent.turn_timeout_secs),
            tool_timeout: Duration::from_secs(settings.agent.tool_timeout_secs),
            max_output_tokens: settings.agent.max_output_tokens,
        },
        Some(desk.clone()),
    )?
    .with_approvals(approvals.clone());
    let state = AppState {
        limiter: Arc::new(RateLimiter::new(settings.server.rate_limit_per_minute)),
        settings,
        store,
        agent: Arc::new(agent),
        connections,
        turn_locks: Arc::new(TurnLocks::default()),
        desk,
        hub: Arc::new(ConversationHub::default()),
        approvals,
        key_cache: Arc::new(TtlCache::new(Duration::from_secs(30), 10_000)),
        tenant_names: Arc::new(TtlCache::new(Duration::from_secs(300), 10_000)),
        widget: Arc::new(widget),
        knowledge,
        document_links,
    };
    Ok(Runtime {
        state,
        sandbox,
        demo_key,
    })
}

/// On first start with an empty store, create a demo tenant and one API key.
async fn ensure_demo_tenant(store: &SqlStore) -> anyhow::Result<Option<(String, Secret)>> {
    if store.count_tenants().await? > 0 {
        return Ok(None);
    }
    let tenant = store.create_tenant("Demo Brand").await?;
    let key = store.create_api_key(&tenant.id, "demo").await?;
    Ok(Some((tenant.id, key.plaintext)))
}

/// The clients every tenant starts from: platforms configured in the config file, and
/// (in the demo) the emulators for all the others.
async fn default_clients(
    settings: &Settings,
    connectors: &[Arc<dyn PlatformConnector>],
) -> anyhow::Result<(PlatformClients, Option<RunningSandbox>)> {
    let mut clients = PlatformClients::new();
    let meta = &settings.platforms.meta;
    if !meta.access_token.is_empty() {
        let mut creds = Credentials::new();
        creds.insert("access_token".into(), meta.access_token.expose().into());
        platforms::Meta {
            api_version: meta.api_version.clone(),
            base_url: meta.base_url.clone(),
        }
        .add_client(
            &mut clients,
            &meta.ad_account_id,
            &creds,
            &BuildContext::default(),
        )?;
    }
    if !settings.demo.sandbox {
        return Ok((clients, None));
    }
    // The brand's data ends yesterday, like a real account's reports.
    let end = settings.today() - chrono::Duration::days(1);
    let brand = Brand::shared(BrandConfig::new(settings.demo.seed, end));
    let token = format!("sandbox-{}", uuid::Uuid::new_v4().simple());
    let sandbox = spawn_sandbox(brand, token.clone())
        .await
        .context("cannot start the platform emulators")?;
    let configured = clients.connected();
    for connector in connectors.iter().filter(|c| !configured.contains(&c.key())) {
        let (account, creds, endpoints) = connector.sandbox(&sandbox, &token);
        let ctx = BuildContext {
            endpoints: Some(endpoints),
            on_refresh: None,
        };
        connector.add_client(&mut clients, &account, &creds, &ctx)?;
    }
    // Klaviyo's real reporting limit (2 reports a minute) would make a demo stall after
    // one e-mail question; the client's limiter is tested against it elsewhere.
    sandbox.klaviyo().set_reporting_limit(None);
    tracing::info!(url = %sandbox.base_url(), platforms = ?clients.connected(), "platform emulators serving the demo brand");
    Ok((clients, Some(sandbox)))
}

fn openai(p: &ProviderSettings) -> anyhow::Result<Arc<dyn ChatModel>> {
    let model = OpenAiModel::new(OpenAiSettings {
        name: p.name.clone(),
        base_url: p.base_url.clone(),
        api_key: p.api_key.clone(),
        model: p.model.clone(),
        context_window: p.context_window,
        retry: RetryPolicy {
            max_retries: p.max_retries,
            response_timeout: Duration::from_secs(p.timeout_secs),
            ..RetryPolicy::default()
        },
        stream_idle_timeout: Duration::from_secs(p.timeout_secs),
    })?;
    Ok(Arc::new(model))
}

/// The configured providers in order, or the offline model when none is configured.
/// The analytic tools: predictions on the tenant's data (`tools/src/analytics/`).
fn register_analytics(
    tools: &mut ToolRegistry,
    directory: &Arc<dyn ClientDirectory>,
    settings: &Settings,
    model: &Arc<dyn ChatModel>,
) {
    use omnify_tools::analytics::{aida, anomalies, budget, churn, fatigue, ltv};
    let d = || directory.clone();
    tools.register(
        Arc::new(fatigue::CreativeFatigueTool::new(d())),
        &AD_PLATFORMS,
        UserRole::Member,
    );
    tools.register(
        Arc::new(anomalies::AnomalyTool::new(d())),
        &AD_PLATFORMS,
        UserRole::Member,
    );
    tools.register(
        Arc::new(budget::BudgetAllocationTool::new(d())),
        &AD_PLATFORMS,
        UserRole::Member,
    );
    tools.register(
        Arc::new(ltv::ForecastLtvTool::new(d())),
        &["shopify", "stripe", "triplewhale"],
        UserRole::Member,
    );
    tools.register(
        Arc::new(churn::PredictChurnRiskTool::new(d())),
        &["stripe", "shopify", "hubspot"],
        UserRole::Member,
    );
    // Copy scoring reads no platform; with a real model configured it asks the model
    // for a second opinion, offline it scores by rules.
    let copy_model = settings.llm.is_configured().then(|| model.clone());
    tools.register(
        Arc::new(aida::ScoreAdCopyTool::new(copy_model)),
        &[],
        UserRole::Member,
    );
}

pub fn build_model(settings: &Settings) -> anyhow::Result<Arc<dyn ChatModel>> {
    if !settings.llm.is_configured() {
        return Ok(Arc::new(OfflineModel::new(settings.today())));
    }
    let mut chain = vec![openai(&settings.llm.primary())?];
    for fallback in &settings.llm.fallbacks {
        chain.push(openai(fallback)?);
    }
    if chain.len() == 1 {
        return Ok(chain.remove(0));
    }
    Ok(Arc::new(
        FallbackChain::new(chain).context("no model configured")?,
    ))
}

/// A built server, bound to its port, ready to run.
pub struct Application {
    pub addr: SocketAddr,
    pub runtime: Runtime,
    listener: TcpListener,
    /// The Slack app, when `[slack] signing_secret` or `app_token` is set.
    slack: Option<Arc<crate::slack::SlackApp>>,
    /// The Discord app, when `[discord] public_key` or a bot token (Gateway) is set.
    discord: Option<Arc<crate::discord::DiscordApp>>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let bind = format!("{}:{}", settings.server.host, settings.server.port);
        let runtime = build_runtime(settings).await?;
        let slack = crate::slack::build(&runtime.state).context("cannot set up Slack")?;
        let discord = crate::discord::build(&runtime.state).context("cannot set up Discord")?;
        let listener = TcpListener::bind(&bind)
            .await
            .with_context(|| format!("cannot listen on {bind}"))?;
        let addr = listener.local_addr()?;
        // Without `server.public_url`, citations link to the address we listen on:
        // right for the local demo, and the docs say to set the URL for anything else.
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_owned()
        } else {
            match addr.ip() {
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                ip => ip.to_string(),
            }
        };
        runtime
            .state
            .document_links
            .set_base(&format!("http://{host}:{}", addr.port()));
        Ok(Self {
            addr,
            runtime,
            listener,
            slack,
            discord,
        })
    }

    pub fn state(&self) -> &AppState {
        &self.runtime.state
    }

    /// Serve until the future `shutdown` resolves; answers left pending by a previous
    /// run are resumed in the background.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let started_us = chrono::Utc::now().timestamp_micros();
        tokio::spawn(crate::chat::resume_pending(
            self.runtime.state.clone(),
            started_us,
        ));
        tokio::spawn(crate::escalations::watch_slas(self.runtime.state.clone()));
        let mut app = api::router(self.runtime.state.clone());
        // Socket Mode, when configured: stopped with the server, before the store closes.
        let mut slack_socket = None;
        if let Some(slack) = self.slack {
            slack_socket = crate::slack::socket_mode::spawn(&slack);
            app = app.merge(crate::slack::start(slack));
        }
        if let Some(discord) = self.discord {
            // Logs what it mounts and starts (the endpoint, the Gateway, or both).
            app = app.merge(crate::discord::start(discord));
        }
        // Client addresses for per-IP limits (the widget's visitor sessions).
        let served = axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        if let Some(task) = slack_socket {
            task.abort();
        }
        served?;
        self.runtime.state.store.close().await;
        Ok(())
    }
}
