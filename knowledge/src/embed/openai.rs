//! Embeddings from any OpenAI-compatible `/v1/embeddings` endpoint (OpenAI itself,
//! Azure-style gateways, vLLM, Ollama…), for teams that prefer a hosted model to the
//! local one.

use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::embeddings::{CreateEmbeddingRequest, EmbeddingInput};
use async_trait::async_trait;
use omnify_core::{Embedder, KnowledgeError, Secret};

pub const DEFAULT_MODEL: &str = "text-embedding-3-small";
/// Inputs per request: well under the API's 2,048-input cap, and small enough that a
/// retried request does not resend a whole document set.
pub const DEFAULT_BATCH_SIZE: usize = 96;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How to reach the embedding service.
#[derive(Debug, Clone)]
pub struct OpenAiEmbedderSettings {
    /// e.g. `https://api.openai.com/v1`; `None` means OpenAI's.
    pub base_url: Option<String>,
    pub api_key: Secret,
    pub model: String,
    /// Vector length. When set it is also sent as the request's `dimensions` (which
    /// `text-embedding-3-*` models honour by shortening); when not set it is learnt
    /// from one probe request at start-up.
    pub dimensions: Option<usize>,
    pub batch_size: usize,
}

impl Default for OpenAiEmbedderSettings {
    fn default() -> Self {
        Self {
            base_url: None,
            api_key: Secret::default(),
            model: DEFAULT_MODEL.to_owned(),
            dimensions: None,
            batch_size: DEFAULT_BATCH_SIZE,
        }
    }
}

/// An [`Embedder`] backed by an OpenAI-compatible embeddings endpoint.
#[derive(Debug, Clone)]
pub struct OpenAiEmbedder {
    client: Client<OpenAIConfig>,
    settings: OpenAiEmbedderSettings,
    dimensions: usize,
    model_id: String,
}

impl OpenAiEmbedder {
    /// Builds the client; if the dimension is not configured, asks the service for
    /// one vector to learn it (so an unreachable service is reported at start-up,
    /// not at the first question).
    pub async fn connect(settings: OpenAiEmbedderSettings) -> Result<Self, KnowledgeError> {
        if settings.model.trim().is_empty() {
            return Err(KnowledgeError::Invalid(
                "the embedding model name is empty".to_owned(),
            ));
        }
        let mut config = OpenAIConfig::new().with_api_key(settings.api_key.expose());
        if let Some(base_url) = &settings.base_url {
            config = config.with_api_base(base_url.trim_end_matches('/'));
        }
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| embedding_error(format!("cannot build the HTTP client: {e}")))?;
        // async-openai's default transport retries 429 (except insufficient quota),
        // 5xx and connection failures with exponential backoff.
        let client = Client::with_config(config).with_http_client(http);
        let mut embedder = Self {
            client,
            dimensions: settings.dimensions.unwrap_or(0),
            model_id: model_id(&settings),
            settings,
        };
        if embedder.settings.dimensions.is_none() {
            let probe = embedder.request(vec!["dimension probe".to_owned()]).await?;
            embedder.dimensions = probe.first().map_or(0, Vec::len);
            if embedder.dimensions == 0 {
                return Err(embedding_error(
                    "the embedding service returned an empty vector".to_owned(),
                ));
            }
        }
        Ok(embedder)
    }

    async fn request(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, KnowledgeError> {
        let count = texts.len();
        let request = CreateEmbeddingRequest {
            model: self.settings.model.clone(),
            input: EmbeddingInput::StringArray(texts),
            dimensions: self.settings.dimensions.and_then(|d| u32::try_from(d).ok()),
            ..CreateEmbeddingRequest::default()
        };
        let response = self
            .client
            .embeddings()
            .create(request)
            .await
            .map_err(|e| classify(&self.settings.model, e))?;
        if response.data.len() != count {
            return Err(embedding_error(format!(
                "the embedding service returned {} vectors for {count} texts",
                response.data.len()
            )));
        }
        // The API promises nothing about order beyond each item's `index`.
        let mut vectors: Vec<Option<Vec<f32>>> = vec![None; count];
        for item in response.data {
            let slot = usize::try_from(item.index)
                .ok()
                .and_then(|i| vectors.get_mut(i))
                .ok_or_else(|| {
                    embedding_error(format!(
                        "the embedding service returned an out-of-range index {}",
                        item.index
                    ))
                })?;
            *slot = Some(item.embedding);
        }
        vectors
            .into_iter()
            .map(|v| {
                v.ok_or_else(|| {
                    embedding_error("the embedding service skipped an input".to_owned())
                })
            })
            .map(|v| v.and_then(normalised))
            .collect()
    }
}

#[async_trait]
impl Embedder for OpenAiEmbedder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, KnowledgeError> {
        let mut vectors = Vec::with_capacity(texts.len());
        for batch in texts.chunks(self.settings.batch_size.max(1)) {
            // The API rejects empty strings; a single space embeds as "nothing".
            let inputs = batch
                .iter()
                .map(|t| if t.trim().is_empty() { " " } else { t.as_str() })
                .map(str::to_owned)
                .collect();
            for vector in self.request(inputs).await? {
                if vector.len() != self.dimensions {
                    return Err(embedding_error(format!(
                        "the embedding service returned {} dimensions, expected {}",
                        vector.len(),
                        self.dimensions
                    )));
                }
                vectors.push(vector);
            }
        }
        Ok(vectors)
    }
}

/// Model and requested dimension: a shortened text-embedding-3 vector is not
/// comparable with a full one, so they are different models to an index.
fn model_id(settings: &OpenAiEmbedderSettings) -> String {
    match settings.dimensions {
        Some(d) => format!("openai:{}@{d}", settings.model),
        None => format!("openai:{}", settings.model),
    }
}

/// Most services already return unit vectors; compatible servers may not.
fn normalised(mut vector: Vec<f32>) -> Result<Vec<f32>, KnowledgeError> {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if !norm.is_finite() || norm == 0.0 {
        return Err(embedding_error(
            "the embedding service returned a zero or non-finite vector".to_owned(),
        ));
    }
    vector.iter_mut().for_each(|x| *x /= norm);
    Ok(vector)
}

/// Turns the client's error into what an operator can act on: bad input (too long),
/// a configuration problem (key, model), or the service being unavailable for now.
fn classify(model: &str, error: OpenAIError) -> KnowledgeError {
    match &error {
        OpenAIError::ApiError(api) => {
            let status = api.status_code.as_u16();
            let code = api.api_error.code.as_deref().unwrap_or_default();
            let message = &api.api_error.message;
            let lower = message.to_ascii_lowercase();
            if status == 400
                && (lower.contains("maximum context length")
                    || lower.contains("too long")
                    || lower.contains("max input"))
            {
                KnowledgeError::Invalid(format!("a text is too long to embed: {message}"))
            } else if status == 401 || status == 403 {
                embedding_error(format!(
                    "the embedding service refused the API key ({status}): {message}"
                ))
            } else if status == 404 {
                embedding_error(format!(
                    "the embedding service does not know the model `{model}` ({status}): \
                     {message}"
                ))
            } else if status == 429 && code == "insufficient_quota" {
                embedding_error(format!("the embedding account is out of quota: {message}"))
            } else if status == 429 || status >= 500 {
                embedding_error(format!(
                    "the embedding service is unavailable for now ({status}, retried): \
                     {message}; try again later"
                ))
            } else {
                embedding_error(format!(
                    "the embedding service rejected the request ({status}): {message}"
                ))
            }
        }
        OpenAIError::Reqwest(e) if e.is_timeout() => embedding_error(format!(
            "the embedding service did not answer within {}s; try again later",
            REQUEST_TIMEOUT.as_secs()
        )),
        OpenAIError::Reqwest(e) if e.is_connect() => embedding_error(format!(
            "cannot reach the embedding service (is the base URL right?): {e}"
        )),
        OpenAIError::JSONDeserialize(..) => embedding_error(format!(
            "the embedding service answered with something that is not an embeddings \
             response: {error}"
        )),
        _ => embedding_error(format!("the embedding request failed: {error}")),
    }
}

fn embedding_error(message: String) -> KnowledgeError {
    KnowledgeError::Embedding(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_scaled_to_unit_length() {
        let v = normalised(vec![3.0, 4.0]).unwrap();
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
        assert!(normalised(vec![0.0, 0.0]).is_err());
    }

    #[test]
    fn the_requested_dimension_is_part_of_the_model_identity() {
        let mut settings = OpenAiEmbedderSettings::default();
        assert_eq!(model_id(&settings), "openai:text-embedding-3-small");
        settings.dimensions = Some(256);
        assert_eq!(model_id(&settings), "openai:text-embedding-3-small@256");
    }

    /// A local stand-in for `/v1/embeddings`, speaking its real JSON shape over a
    /// real socket, so the real client is what is tested.
    mod server {
        use std::sync::{Arc, Mutex};

        use axum::extract::State;
        use axum::http::{HeaderMap, StatusCode};
        use axum::routing::post;
        use axum::{Json, Router};
        use serde_json::{Value, json};

        /// What the stand-in should do with each request, in order; the last
        /// behaviour repeats.
        #[derive(Clone, Copy)]
        pub enum Reply {
            Vectors,
            Status(u16, &'static str),
        }

        #[derive(Clone)]
        pub struct Recorded {
            pub body: Value,
            pub authorization: String,
        }

        #[derive(Clone)]
        struct Stand {
            replies: Arc<Vec<Reply>>,
            seen: Arc<Mutex<Vec<Recorded>>>,
        }

        /// The deterministic, deliberately unnormalised vector for a text.
        pub fn raw_vector(text: &str, dimensions: usize) -> Vec<f32> {
            (0..dimensions)
                .map(|i| (text.len() % 7) as f32 + i as f32 + 1.0)
                .collect()
        }

        async fn embeddings(
            State(stand): State<Stand>,
            headers: HeaderMap,
            Json(body): Json<Value>,
        ) -> (StatusCode, Json<Value>) {
            let authorization = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let attempt = {
                let mut seen = stand.seen.lock().unwrap();
                seen.push(Recorded {
                    body: body.clone(),
                    authorization,
                });
                seen.len() - 1
            };
            let reply = stand.replies[attempt.min(stand.replies.len() - 1)];
            if let Reply::Status(code, error_code) = reply {
                let error = json!({"error": {
                    "message": format!("stand-in error {code}"),
                    "type": "invalid_request_error",
                    "param": null,
                    "code": error_code,
                }});
                return (StatusCode::from_u16(code).unwrap(), Json(error));
            }
            let dimensions = body["dimensions"].as_u64().unwrap_or(8) as usize;
            let inputs: Vec<String> = match &body["input"] {
                Value::String(s) => vec![s.clone()],
                Value::Array(items) => items
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect(),
                other => panic!("unexpected input {other}"),
            };
            // Reversed on purpose: clients must order by `index`, not position.
            let data: Vec<Value> = inputs
                .iter()
                .enumerate()
                .rev()
                .map(|(i, text)| {
                    json!({
                        "object": "embedding",
                        "index": i,
                        "embedding": raw_vector(text, dimensions),
                    })
                })
                .collect();
            let reply = json!({
                "object": "list",
                "model": body["model"],
                "data": data,
                "usage": {"prompt_tokens": 3, "total_tokens": 3},
            });
            (StatusCode::OK, Json(reply))
        }

        /// Starts the stand-in on a free port; returns its base URL and what it saw.
        pub async fn start(replies: Vec<Reply>) -> (String, Arc<Mutex<Vec<Recorded>>>) {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let stand = Stand {
                replies: Arc::new(replies),
                seen: Arc::clone(&seen),
            };
            let app = Router::new()
                .route("/v1/embeddings", post(embeddings))
                .with_state(stand);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            (format!("http://{address}/v1"), seen)
        }
    }

    use server::{Reply, raw_vector};

    fn settings(base_url: String) -> OpenAiEmbedderSettings {
        OpenAiEmbedderSettings {
            base_url: Some(base_url),
            api_key: Secret::new("sk-test"),
            ..OpenAiEmbedderSettings::default()
        }
    }

    fn texts(n: usize) -> Vec<String> {
        (0..n).map(|i| "x".repeat(i + 1)).collect()
    }

    #[tokio::test]
    async fn embeds_in_batches_in_order_and_normalised() {
        let (url, seen) = server::start(vec![Reply::Vectors]).await;
        let embedder = OpenAiEmbedder::connect(OpenAiEmbedderSettings {
            batch_size: 3,
            ..settings(url)
        })
        .await
        .unwrap();
        // The dimension was learnt from one probe request.
        assert_eq!(embedder.dimensions(), 8);
        assert_eq!(embedder.model_id(), "openai:text-embedding-3-small");

        let inputs = texts(7);
        let vectors = embedder.embed(&inputs).await.unwrap();
        assert_eq!(vectors.len(), 7);
        for (text, vector) in inputs.iter().zip(&vectors) {
            let expected = normalised(raw_vector(text, 8)).unwrap();
            assert_eq!(vector, &expected, "vector of {text:?}");
        }

        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1 + 3, "a probe, then batches of 3, 3 and 1");
        let batch_sizes: Vec<usize> = seen[1..]
            .iter()
            .map(|r| r.body["input"].as_array().unwrap().len())
            .collect();
        assert_eq!(batch_sizes, vec![3, 3, 1]);
        assert!(seen.iter().all(|r| r.authorization == "Bearer sk-test"));
        assert!(
            seen.iter()
                .all(|r| r.body["model"] == "text-embedding-3-small")
        );
        assert!(seen.iter().all(|r| r.body.get("dimensions").is_none()));
    }

    #[tokio::test]
    async fn a_configured_dimension_is_requested_and_needs_no_probe() {
        let (url, seen) = server::start(vec![Reply::Vectors]).await;
        let embedder = OpenAiEmbedder::connect(OpenAiEmbedderSettings {
            dimensions: Some(4),
            ..settings(url)
        })
        .await
        .unwrap();
        assert!(
            seen.lock().unwrap().is_empty(),
            "no probe when the dimension is known"
        );
        assert_eq!(embedder.model_id(), "openai:text-embedding-3-small@4");
        let vectors = embedder
            .embed(&["ROAS".to_owned(), "   ".to_owned()])
            .await
            .unwrap();
        assert!(vectors.iter().all(|v| v.len() == 4));
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].body["dimensions"], 4);
        // The API refuses empty strings; blank texts go as a single space.
        assert_eq!(seen[0].body["input"][1], " ");
    }

    #[tokio::test]
    async fn a_dimension_other_than_configured_is_an_error() {
        // The stand-in answers with 8 dimensions when none is asked for; ask for
        // none but expect 6 by configuring the embedder after the fact.
        let (url, _seen) = server::start(vec![Reply::Vectors]).await;
        let mut embedder = OpenAiEmbedder::connect(settings(url)).await.unwrap();
        embedder.dimensions = 6;
        let error = embedder.embed(&texts(1)).await.unwrap_err().to_string();
        assert!(error.contains("8 dimensions, expected 6"), "{error}");
    }

    #[tokio::test]
    async fn a_refused_key_is_reported_as_such_without_retrying() {
        let (url, seen) = server::start(vec![Reply::Status(401, "invalid_api_key")]).await;
        let error = OpenAiEmbedder::connect(settings(url)).await.unwrap_err();
        assert!(matches!(error, KnowledgeError::Embedding(_)));
        assert!(error.to_string().contains("refused the API key"), "{error}");
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn an_unknown_model_is_named() {
        let (url, _seen) = server::start(vec![Reply::Status(404, "model_not_found")]).await;
        let error = OpenAiEmbedder::connect(OpenAiEmbedderSettings {
            model: "text-embedding-9".to_owned(),
            ..settings(url)
        })
        .await
        .unwrap_err();
        assert!(error.to_string().contains("`text-embedding-9`"), "{error}");
    }

    #[tokio::test]
    async fn a_passing_server_error_is_retried_then_succeeds() {
        let (url, seen) =
            server::start(vec![Reply::Status(503, "overloaded"), Reply::Vectors]).await;
        let embedder = OpenAiEmbedder::connect(settings(url)).await.unwrap();
        assert_eq!(embedder.dimensions(), 8);
        assert_eq!(seen.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_lasting_server_error_says_to_try_later() {
        let (url, seen) = server::start(vec![Reply::Status(500, "server_error")]).await;
        let error = OpenAiEmbedder::connect(settings(url)).await.unwrap_err();
        assert!(error.to_string().contains("try again later"), "{error}");
        assert_eq!(
            seen.lock().unwrap().len(),
            4,
            "the first attempt and 3 retries"
        );
    }

    #[tokio::test]
    async fn an_unreachable_service_is_reported_at_start_up() {
        // Bind then drop a listener: the port is free and nothing answers there.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let error = OpenAiEmbedder::connect(settings(format!("http://{address}/v1")))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("cannot reach"), "{error}");
    }
}
