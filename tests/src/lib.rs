#![allow(clippy::expect_used, clippy::unwrap_used)] // a test harness: a failed setup should panic the test
//! The test harness: [`spawn_app`] starts a real Omnify server on port 0 with a fresh
//! database (SQLite, or PostgreSQL when `OMNIFY_TEST_DATABASE_URL` is set and asked
//! for), the platform emulators, and either the offline model or a scripted
//! OpenAI-compatible server reached through the real async-openai client.

use omnify_llm::scripted_server::{Reply, ScriptedServer};
use omnify_server::config::{ProviderSettings, Settings};
use omnify_server::startup::Application;
use serde_json::{Value, json};
use std::net::SocketAddr;

/// The date every test answers against, so date phrases resolve the same way each run.
pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default()
}

#[derive(Default)]
pub enum Model {
    #[default]
    Offline,
    /// One scripted provider.
    Scripted(Vec<Reply>),
    /// A chain: the first scripted provider, then fallbacks.
    Chain(Vec<Vec<Reply>>),
}

/// A change to the settings a test needs, applied before the server starts.
pub type Tweak = Box<dyn FnOnce(&mut Settings)>;

#[derive(Default)]
pub struct Options {
    pub model: Model,
    /// Run on a fresh PostgreSQL database (needs `OMNIFY_TEST_DATABASE_URL`).
    pub postgres: bool,
    /// Adjust settings before the server starts.
    pub tweak: Option<Tweak>,
    /// Reuse this data directory (to restart a server on the same SQLite file).
    pub data_dir: Option<std::path::PathBuf>,
    /// Ingest the seed knowledge base (`knowledge/docs/`) into the demo tenant before
    /// returning, with the hashing embedder (fast and deterministic).
    pub seed_knowledge: bool,
}

/// The repository's seed knowledge base.
pub fn seed_knowledge_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../knowledge/docs")
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub api_key: String,
    pub tenant_id: String,
    pub http: reqwest::Client,
    pub store: omnify_store::SqlStore,
    /// The scripted model servers, in chain order.
    pub llm: Vec<ScriptedServer>,
    pub data_dir: std::path::PathBuf,
    /// The server's knowledge base, when it is on.
    pub knowledge: Option<std::sync::Arc<omnify_knowledge::KnowledgeBase>>,
    _dir: Option<tempfile::TempDir>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub async fn spawn_app(options: Options) -> TestApp {
    omnify_server::install_crypto_provider();
    let (dir, data_dir) = match options.data_dir {
        Some(d) => (None, d),
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().to_path_buf();
            (Some(dir), path)
        }
    };
    let mut settings = Settings {
        data_dir: data_dir.clone(),
        ..Settings::default()
    };
    settings.server.port = 0;
    settings.demo.today = Some(today());
    // Tests ingest knowledge explicitly (`seed_knowledge`), never in the background, and
    // with the hashing embedder: no model files, same vectors on every machine.
    settings.knowledge.seed_dir = std::path::PathBuf::new();
    settings.knowledge.embedder = omnify_knowledge::embed::EmbedderSettings::hashing();
    if options.postgres {
        settings.database.url = omnify_core::Secret::new(fresh_postgres_database().await);
    }

    let scripts = match options.model {
        Model::Offline => vec![],
        Model::Scripted(replies) => vec![replies],
        Model::Chain(chain) => chain,
    };
    let mut llm = Vec::new();
    for replies in scripts {
        llm.push(
            ScriptedServer::start(replies)
                .await
                .expect("scripted server"),
        );
    }
    if let Some(first) = llm.first() {
        settings.llm.base_url = first.base_url();
        settings.llm.api_key = omnify_core::Secret::new("sk-test");
        settings.llm.model = "gpt-4o-mini".into();
        settings.llm.max_retries = 2;
        settings.llm.timeout_secs = 10;
        settings.llm.fallbacks = llm[1..]
            .iter()
            .enumerate()
            .map(|(i, s)| ProviderSettings {
                name: format!("fallback-{i}"),
                base_url: s.base_url(),
                api_key: omnify_core::Secret::new("sk-fallback"),
                model: "gpt-4o-mini".into(),
                max_retries: 0,
                ..ProviderSettings::default()
            })
            .collect();
    }
    if let Some(tweak) = options.tweak {
        tweak(&mut settings);
    }

    let app = Application::build(settings)
        .await
        .expect("application builds");
    let addr = app.addr;
    let store = app.state().store.clone();
    let (api_key, tenant_id) = match &app.runtime.demo_key {
        Some((tenant, key)) => (key.expose().to_string(), tenant.clone()),
        None => {
            // A restarted server: mint a key for the existing tenant.
            let tenant = store
                .first_tenant_id()
                .await
                .expect("tenant query")
                .expect("a tenant");
            let key = store.create_api_key(&tenant, "test").await.expect("key");
            (key.plaintext.expose().to_string(), tenant)
        }
    };
    let knowledge = app.state().knowledge.clone();
    if options.seed_knowledge {
        let base = knowledge.as_ref().expect("the knowledge base is on");
        let report = base
            .ingest_path(&tenant_id, &seed_knowledge_dir(), &|_| {})
            .await
            .expect("the seed knowledge ingests");
        assert!(report.added > 0 || report.unchanged > 0, "{report:?}");
    }
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    TestApp {
        addr,
        api_key,
        tenant_id,
        http: reqwest::Client::new(),
        store,
        llm,
        data_dir,
        knowledge,
        _dir: dir,
        shutdown: Some(tx),
    }
}

/// A new, empty database on the server named by `OMNIFY_TEST_DATABASE_URL`.
pub async fn fresh_postgres_database() -> String {
    use sqlx::Executor;
    let admin_url = std::env::var("OMNIFY_TEST_DATABASE_URL").expect("OMNIFY_TEST_DATABASE_URL");
    sqlx::any::install_default_drivers();
    let name = format!("omnify_e2e_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::AnyPool::connect(&admin_url).await.expect("postgres");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create database");
    admin.close().await;
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("database url with a path");
    format!("{base}/{name}")
}

/// A response's status and JSON body.
pub struct Response {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn chat(&self, message: &str) -> Response {
        self.chat_in(None, message).await
    }

    pub async fn chat_in(&self, conversation_id: Option<&str>, message: &str) -> Response {
        let body = json!({"conversation_id": conversation_id, "message": message});
        self.post_raw("/api/v1/chat", Some(&self.api_key), body.to_string(), &[])
            .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        key: Option<&str>,
        body: String,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut req = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body);
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        into_response(req.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, key: Option<&str>) -> Response {
        let mut req = self.http.get(self.url(path));
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        into_response(req.send().await.expect("request sent")).await
    }

    /// Open the chat WebSocket with this app's key.
    pub async fn websocket(
        &self,
    ) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>
    {
        let url = format!("ws://{}/api/v1/ws?access_token={}", self.addr, self.api_key);
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("websocket connects");
        ws
    }
}

async fn into_response(r: reqwest::Response) -> Response {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Response {
        status,
        headers,
        body,
    }
}

/// Requests whose last message is a tool result, i.e. the model's second step.
pub fn messages_of(request: &Value) -> Vec<Value> {
    request["messages"].as_array().cloned().unwrap_or_default()
}

/// The id of the conversation with this key (a Slack `channel:thread_ts`, a Discord
/// thread id), read from the app's SQLite file as an outsider would.
pub async fn conversation_id(app: &TestApp, key: &str) -> String {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", app.data_dir.join("omnify.db").display());
    let pool = sqlx::AnyPool::connect(&url)
        .await
        .expect("the app's database opens");
    let row: (String,) = sqlx::query_as("SELECT id FROM conversations WHERE conversation_key = $1")
        .bind(key)
        .fetch_one(&pool)
        .await
        .expect("a conversation with this key");
    pool.close().await;
    row.0
}
