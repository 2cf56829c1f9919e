//! Embedders: the local MiniLM default, OpenAI-compatible embeddings, and a hashing
//! embedder for tests and as the fallback when the local model is not installed.
//!
//! [`build`] turns the server's `[knowledge.embedder]` settings into one of them.

pub mod hashing;
pub mod minilm;
pub mod openai;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use omnify_core::{Embedder, KnowledgeError, Secret};
use serde::{Deserialize, Serialize};

pub use hashing::HashingEmbedder;
pub use minilm::MiniLmEmbedder;
pub use openai::{OpenAiEmbedder, OpenAiEmbedderSettings};

/// Which embedder computes the vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmbedderKind {
    /// all-MiniLM-L6-v2 in-process (weights from `scripts/install-embedding-model.sh`).
    #[default]
    Local,
    /// An OpenAI-compatible `/v1/embeddings` endpoint.
    Openai,
    /// Hashed words: no model, no meaning; for tests and as a fallback.
    Hashing,
}

/// The server's embedder settings (`[knowledge.embedder]` in `omnify.toml`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbedderSettings {
    pub kind: EmbedderKind,
    /// local: the model folder; default `DATA_DIR/models/all-MiniLM-L6-v2`.
    pub model_dir: Option<PathBuf>,
    /// openai: e.g. `https://api.openai.com/v1`; default OpenAI's.
    pub base_url: Option<String>,
    /// openai: the API key.
    pub api_key: Secret,
    /// local: the model's name (default `all-MiniLM-L6-v2`); openai: the model
    /// (default `text-embedding-3-small`).
    pub model: Option<String>,
    /// openai: the vector length to ask for; learnt from the service when unset.
    pub dimensions: Option<usize>,
    /// Texts per model call; default 32 (local) or 96 (openai).
    pub batch_size: Option<usize>,
}

impl EmbedderSettings {
    /// Settings for the hashing embedder, e.g. as the fallback of a failed [`build`].
    pub fn hashing() -> Self {
        Self {
            kind: EmbedderKind::Hashing,
            ..Self::default()
        }
    }

    /// Where the local model is read from.
    pub fn local_model_dir(&self, data_dir: &Path) -> PathBuf {
        self.model_dir.clone().unwrap_or_else(|| {
            data_dir
                .join("models")
                .join(self.model.as_deref().unwrap_or(minilm::DEFAULT_MODEL_NAME))
        })
    }
}

/// Builds the configured embedder. Loading the local model reads about 90 MB (on a
/// blocking thread); an OpenAI embedder without a configured dimension makes one
/// request to learn it.
///
/// `kind = "local"` with the weights absent fails with a `KnowledgeError::Embedding`
/// naming the missing files and the install command; the server logs it as a warning
/// and builds `EmbedderSettings::hashing()` instead.
pub async fn build(
    settings: &EmbedderSettings,
    data_dir: &Path,
) -> Result<Arc<dyn Embedder>, KnowledgeError> {
    match settings.kind {
        EmbedderKind::Local => {
            let embedder = MiniLmEmbedder::load_in_background(
                settings.local_model_dir(data_dir),
                settings
                    .model
                    .clone()
                    .unwrap_or_else(|| minilm::DEFAULT_MODEL_NAME.to_owned()),
                settings.batch_size.unwrap_or(minilm::DEFAULT_BATCH_SIZE),
            )
            .await?;
            Ok(Arc::new(embedder))
        }
        EmbedderKind::Openai => {
            let embedder = OpenAiEmbedder::connect(OpenAiEmbedderSettings {
                base_url: settings.base_url.clone(),
                api_key: settings.api_key.clone(),
                model: settings
                    .model
                    .clone()
                    .unwrap_or_else(|| openai::DEFAULT_MODEL.to_owned()),
                dimensions: settings.dimensions,
                batch_size: settings.batch_size.unwrap_or(openai::DEFAULT_BATCH_SIZE),
            })
            .await?;
            Ok(Arc::new(embedder))
        }
        EmbedderKind::Hashing => Ok(Arc::new(HashingEmbedder::new())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_from_toml_like_json() {
        let settings: EmbedderSettings = serde_json::from_value(serde_json::json!({
            "kind": "openai",
            "base_url": "http://127.0.0.1:9000/v1",
            "api_key": "sk-test",
            "model": "text-embedding-3-large",
            "dimensions": 256,
            "batch_size": 10
        }))
        .unwrap();
        assert_eq!(settings.kind, EmbedderKind::Openai);
        assert_eq!(settings.api_key.expose(), "sk-test");
        assert_eq!(settings.dimensions, Some(256));
        assert!(!format!("{settings:?}").contains("sk-test"));

        let defaults: EmbedderSettings = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(defaults.kind, EmbedderKind::Local);
        assert!(
            serde_json::from_value::<EmbedderSettings>(serde_json::json!({"kind": "bert"}))
                .is_err()
        );
        assert!(
            serde_json::from_value::<EmbedderSettings>(serde_json::json!({"modle": "x"})).is_err()
        );
    }

    #[test]
    fn the_local_model_lives_under_the_data_dir_by_default() {
        let settings = EmbedderSettings::default();
        assert_eq!(
            settings.local_model_dir(Path::new("/srv/omnify")),
            Path::new("/srv/omnify/models/all-MiniLM-L6-v2")
        );
        let custom = EmbedderSettings {
            model_dir: Some(PathBuf::from("/opt/models/minilm")),
            ..EmbedderSettings::default()
        };
        assert_eq!(
            custom.local_model_dir(Path::new("/srv/omnify")),
            Path::new("/opt/models/minilm")
        );
    }

    #[tokio::test]
    async fn local_without_weights_fails_clearly_and_hashing_is_the_fallback() {
        let data_dir = tempfile::tempdir().unwrap();
        let error = build(&EmbedderSettings::default(), data_dir.path())
            .await
            .err()
            .expect("no weights installed");
        let message = error.to_string();
        assert!(message.contains("model.safetensors"), "{message}");
        assert!(message.contains("install-embedding-model.sh"), "{message}");

        let fallback = build(&EmbedderSettings::hashing(), data_dir.path())
            .await
            .unwrap();
        assert_eq!(fallback.model_id(), hashing::MODEL_ID);
    }
}
