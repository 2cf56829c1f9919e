//! The Qdrant backend, for deployments that already run Qdrant or outgrow the
//! embedded index.
//!
//! Layout, and why:
//! - **One collection per deployment** (name configurable), every point carrying its
//!   `tenant` in the payload, and every read and delete filtered on it. Qdrant's own
//!   guidance for multitenancy is this shape: thousands of small collections each
//!   cost memory, file handles and an HNSW graph of their own, while a keyword-indexed
//!   `tenant` field lets one graph serve every tenant. Isolation is enforced here, in
//!   the one place requests are built (see the `*_request` functions and their tests).
//! - **The embedding model of a tenant** is a marker point in the same collection
//!   (`kind = "embedding_model"`, a fixed id per tenant, the model id in its payload).
//!   It lives and dies with the tenant's chunks (`clear_tenant` removes it too), needs
//!   no second collection to create and back up, and chunk searches skip it with a
//!   `kind = "chunk"` condition.
//! - **Point ids** are UUIDs derived from a SHA-256 of (tenant, chunk id), so an
//!   upsert of the same chunk replaces it, and two tenants' chunks with the same id
//!   never collide.
//! - The collection is created on first use with the embedder's dimension (cosine
//!   distance), with keyword indexes on `tenant`, `document_id` and `kind`. If it
//!   already exists with another dimension, every call fails with an error that says
//!   how to move on, rather than mixing models' vectors.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use omnify_core::{Chunk, EmbeddedChunk, KnowledgeError, Secret, VectorHit, VectorIndex};
use qdrant_client::qdrant::r#match::MatchValue;
use qdrant_client::qdrant::vectors_config::Config as VectorsConfigKind;
use qdrant_client::qdrant::{
    Condition, CreateCollectionBuilder, CreateFieldIndexCollection,
    CreateFieldIndexCollectionBuilder, DeletePoints, DeletePointsBuilder, Distance, FieldType,
    Filter, GetPointsBuilder, KeywordIndexParamsBuilder, PointId, PointStruct, QueryPoints,
    QueryPointsBuilder, UpsertPointsBuilder, Value, VectorParamsBuilder,
};
use qdrant_client::{Payload, Qdrant, QdrantError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

pub const DEFAULT_COLLECTION: &str = "omnify_knowledge";
/// Points per upsert request: keeps each gRPC message well under its 4 MB default
/// even with 3,072-dimension vectors and long chunk texts.
const UPSERT_BATCH: usize = 64;

const KIND_CHUNK: &str = "chunk";
const KIND_MODEL: &str = "embedding_model";

// Payload field names: part of the stored format, do not rename.
const F_TENANT: &str = "tenant";
const F_KIND: &str = "kind";
const F_DOCUMENT: &str = "document_id";
const F_CHUNK_ID: &str = "chunk_id";
const F_TITLE: &str = "title";
const F_SECTION: &str = "section";
const F_SOURCE: &str = "source";
const F_ORDINAL: &str = "ordinal";
const F_TEXT: &str = "text";
const F_MODEL: &str = "model";

/// Where Qdrant is and which collection holds the knowledge base.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QdrantSettings {
    /// The gRPC endpoint, e.g. `http://localhost:6334` (not the 6333 REST port).
    pub url: String,
    pub api_key: Secret,
    pub collection: String,
    pub timeout_secs: u64,
}

impl Default for QdrantSettings {
    fn default() -> Self {
        Self {
            url: "http://localhost:6334".to_owned(),
            api_key: Secret::default(),
            collection: DEFAULT_COLLECTION.to_owned(),
            timeout_secs: 30,
        }
    }
}

/// A [`VectorIndex`] in one Qdrant collection shared by all tenants.
pub struct QdrantIndex {
    client: Qdrant,
    collection: String,
    dimensions: usize,
    ready: OnceCell<()>,
}

impl std::fmt::Debug for QdrantIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QdrantIndex")
            .field("collection", &self.collection)
            .field("dimensions", &self.dimensions)
            .finish_non_exhaustive()
    }
}

impl QdrantIndex {
    /// A client for `settings.collection`, holding vectors of `dimensions` (the
    /// embedder's). Connects lazily: nothing is sent until the first call.
    pub fn new(settings: &QdrantSettings, dimensions: usize) -> Result<Self, KnowledgeError> {
        if dimensions == 0 {
            return Err(KnowledgeError::Invalid(
                "the Qdrant index needs the embedder's dimension, got 0".to_owned(),
            ));
        }
        if settings.collection.trim().is_empty() {
            return Err(KnowledgeError::Invalid(
                "the Qdrant collection name is empty".to_owned(),
            ));
        }
        let api_key = (!settings.api_key.is_empty()).then(|| settings.api_key.expose().to_owned());
        let client = Qdrant::from_url(&settings.url)
            .api_key(api_key)
            .timeout(Duration::from_secs(settings.timeout_secs.max(1)))
            // Without this the builder blocks on a version probe and prints to stdout.
            .skip_compatibility_check()
            .build()
            .map_err(|e| {
                index_error(
                    format!("cannot set up the Qdrant client for {}", settings.url),
                    e,
                )
            })?;
        Ok(Self {
            client,
            collection: settings.collection.clone(),
            dimensions,
            ready: OnceCell::new(),
        })
    }

    pub fn collection(&self) -> &str {
        &self.collection
    }

    /// Creates the collection and its payload indexes the first time they are needed.
    async fn ensure_collection(&self) -> Result<(), KnowledgeError> {
        self.ready
            .get_or_try_init(|| async {
                let exists = self
                    .client
                    .collection_exists(self.collection.as_str())
                    .await
                    .map_err(|e| index_error(self.unreachable(), e))?;
                if exists {
                    self.check_dimensions().await?;
                } else {
                    let created = self
                        .client
                        .create_collection(
                            CreateCollectionBuilder::new(self.collection.as_str()).vectors_config(
                                VectorParamsBuilder::new(self.dimensions as u64, Distance::Cosine),
                            ),
                        )
                        .await;
                    // Another server process may have created it a moment ago.
                    if let Err(error) = created {
                        let now_exists = self
                            .client
                            .collection_exists(self.collection.as_str())
                            .await
                            .unwrap_or(false);
                        if !now_exists {
                            return Err(index_error(
                                format!("cannot create the Qdrant collection {}", self.collection),
                                error,
                            ));
                        }
                        self.check_dimensions().await?;
                    }
                }
                // Creating an index that exists is accepted by Qdrant, so this is safe on
                // every start; without them every filtered call scans the payloads.
                for request in field_index_requests(&self.collection) {
                    let field = request.field_name.clone();
                    self.client.create_field_index(request).await.map_err(|e| {
                        index_error(
                            format!("cannot index the `{field}` field of {}", self.collection),
                            e,
                        )
                    })?;
                }
                Ok(())
            })
            .await
            .map(|_| ())
    }

    async fn check_dimensions(&self) -> Result<(), KnowledgeError> {
        let info = self
            .client
            .collection_info(self.collection.as_str())
            .await
            .map_err(|e| {
                index_error(format!("cannot read the collection {}", self.collection), e)
            })?;
        let size = info
            .result
            .and_then(|r| r.config)
            .and_then(|c| c.params)
            .and_then(|p| p.vectors_config)
            .and_then(|v| v.config);
        match size {
            Some(VectorsConfigKind::Params(params)) if params.size == self.dimensions as u64 => {
                Ok(())
            }
            Some(VectorsConfigKind::Params(params)) => Err(KnowledgeError::Index(format!(
                "the Qdrant collection {} holds {}-dimension vectors but the embedder makes {}: \
                 point the knowledge base at a new collection (or delete this one) and ingest \
                 the documents again",
                self.collection, params.size, self.dimensions
            ))),
            _ => Err(KnowledgeError::Index(format!(
                "the Qdrant collection {} was not made by Omnify (it has named vectors)",
                self.collection
            ))),
        }
    }

    fn unreachable(&self) -> String {
        format!("cannot reach Qdrant for the collection {}", self.collection)
    }

    fn check_vector(&self, vector: &[f32]) -> Result<(), KnowledgeError> {
        if vector.len() != self.dimensions {
            return Err(KnowledgeError::Invalid(format!(
                "a {}-dimension vector for a {}-dimension index",
                vector.len(),
                self.dimensions
            )));
        }
        Ok(())
    }

    async fn delete(&self, request: DeletePoints, what: &str) -> Result<(), KnowledgeError> {
        self.ensure_collection().await?;
        self.client
            .delete_points(request)
            .await
            .map_err(|e| index_error(format!("cannot delete {what}"), e))?;
        Ok(())
    }
}

#[async_trait]
impl VectorIndex for QdrantIndex {
    async fn upsert(&self, tenant: &str, chunks: Vec<EmbeddedChunk>) -> Result<(), KnowledgeError> {
        if chunks.is_empty() {
            return Ok(());
        }
        for item in &chunks {
            self.check_vector(&item.vector)?;
        }
        self.ensure_collection().await?;
        let mut points: Vec<PointStruct> = chunks
            .into_iter()
            .map(|item| {
                PointStruct::new(
                    chunk_point_id(tenant, &item.chunk.id),
                    item.vector,
                    chunk_payload(tenant, &item.chunk),
                )
            })
            .collect();
        while !points.is_empty() {
            let rest = points.split_off(points.len().min(UPSERT_BATCH));
            let batch = std::mem::replace(&mut points, rest);
            self.client
                .upsert_points(UpsertPointsBuilder::new(self.collection.as_str(), batch).wait(true))
                .await
                .map_err(|e| index_error(format!("cannot store chunks for {tenant}"), e))?;
        }
        Ok(())
    }

    async fn delete_document(&self, tenant: &str, document_id: &str) -> Result<(), KnowledgeError> {
        let request = delete_document_request(&self.collection, tenant, document_id);
        self.delete(request, &format!("the document {document_id} of {tenant}"))
            .await
    }

    async fn search(
        &self,
        tenant: &str,
        vector: &[f32],
        limit: usize,
    ) -> Result<Vec<VectorHit>, KnowledgeError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.check_vector(vector)?;
        self.ensure_collection().await?;
        let response = self
            .client
            .query(search_request(&self.collection, tenant, vector, limit))
            .await
            .map_err(|e| index_error(format!("cannot search the chunks of {tenant}"), e))?;
        response
            .result
            .into_iter()
            .map(|point| {
                Ok(VectorHit {
                    chunk: chunk_from_payload(&point.payload)?,
                    score: point.score,
                })
            })
            .collect()
    }

    async fn embedding_model(&self, tenant: &str) -> Result<Option<String>, KnowledgeError> {
        self.ensure_collection().await?;
        let response = self
            .client
            .get_points(
                GetPointsBuilder::new(self.collection.as_str(), vec![model_point_id(tenant)])
                    .with_payload(true)
                    .with_vectors(false),
            )
            .await
            .map_err(|e| index_error(format!("cannot read the embedding model of {tenant}"), e))?;
        Ok(response
            .result
            .first()
            .and_then(|p| p.payload.get(F_MODEL))
            .and_then(Value::as_str)
            .cloned())
    }

    async fn set_embedding_model(
        &self,
        tenant: &str,
        model_id: &str,
    ) -> Result<(), KnowledgeError> {
        self.ensure_collection().await?;
        let marker = PointStruct::new(
            model_point_id(tenant),
            marker_vector(self.dimensions),
            model_payload(tenant, model_id),
        );
        self.client
            .upsert_points(
                UpsertPointsBuilder::new(self.collection.as_str(), vec![marker]).wait(true),
            )
            .await
            .map_err(|e| {
                index_error(format!("cannot record the embedding model of {tenant}"), e)
            })?;
        Ok(())
    }

    async fn clear_tenant(&self, tenant: &str) -> Result<(), KnowledgeError> {
        let request = clear_tenant_request(&self.collection, tenant);
        self.delete(request, &format!("the knowledge base of {tenant}"))
            .await
    }
}

/// A stable UUID for one tenant's chunk. The tenant's length is hashed before it so
/// that ("ab", "c") and ("a", "bc") differ; the domain tag keeps chunk ids apart
/// from marker ids whatever the chunk id is.
pub fn chunk_point_id(tenant: &str, chunk_id: &str) -> PointId {
    PointId::from(uuid_from_parts(&["omnify/chunk", tenant, chunk_id]))
}

/// The id of the tenant's embedding-model marker.
pub fn model_point_id(tenant: &str) -> PointId {
    PointId::from(uuid_from_parts(&["omnify/embedding-model", tenant]))
}

/// Formats the first 128 bits of SHA-256 over length-prefixed parts as an RFC 9562
/// version-8 ("custom") UUID, the form Qdrant accepts as a point id.
fn uuid_from_parts(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// An exact match. `Condition::matches` with a `String` turns a value containing a
/// space into a full-text match, which would let "q3 plan.md" match "plan.md".
fn is(field: &str, value: &str) -> Condition {
    Condition::matches(field, MatchValue::Keyword(value.to_owned()))
}

/// Keyword indexes on the fields every filter uses. `tenant` is flagged as the
/// tenant key, so Qdrant (1.11+) keeps each tenant's points together on disk.
pub fn field_index_requests(collection: &str) -> Vec<CreateFieldIndexCollection> {
    [F_TENANT, F_DOCUMENT, F_KIND]
        .into_iter()
        .map(|field| {
            let request =
                CreateFieldIndexCollectionBuilder::new(collection, field, FieldType::Keyword)
                    .wait(true);
            if field == F_TENANT {
                request.field_index_params(KeywordIndexParamsBuilder::default().is_tenant(true))
            } else {
                request
            }
            .build()
        })
        .collect()
}

/// The `limit` chunks of `tenant` nearest to `vector`; markers excluded.
pub fn search_request(collection: &str, tenant: &str, vector: &[f32], limit: usize) -> QueryPoints {
    QueryPointsBuilder::new(collection)
        .query(vector.to_vec())
        .filter(Filter::must([is(F_TENANT, tenant), is(F_KIND, KIND_CHUNK)]))
        .limit(limit as u64)
        .with_payload(true)
        .build()
}

/// Every chunk of one document of one tenant.
pub fn delete_document_request(collection: &str, tenant: &str, document_id: &str) -> DeletePoints {
    DeletePointsBuilder::new(collection)
        .points(Filter::must([
            is(F_TENANT, tenant),
            is(F_DOCUMENT, document_id),
        ]))
        .wait(true)
        .build()
}

/// Every point of the tenant: chunks and the model marker.
pub fn clear_tenant_request(collection: &str, tenant: &str) -> DeletePoints {
    DeletePointsBuilder::new(collection)
        .points(Filter::must([is(F_TENANT, tenant)]))
        .wait(true)
        .build()
}

/// A chunk as stored. The `tenant` argument, not `chunk.tenant`, is written: it is
/// what every filter checks, so a mislabelled chunk cannot reach another tenant.
pub fn chunk_payload(tenant: &str, chunk: &Chunk) -> Payload {
    let mut payload = Payload::new();
    payload.insert(F_KIND, KIND_CHUNK);
    payload.insert(F_TENANT, tenant);
    payload.insert(F_DOCUMENT, chunk.document_id.as_str());
    payload.insert(F_CHUNK_ID, chunk.id.as_str());
    payload.insert(F_TITLE, chunk.title.as_str());
    payload.insert(F_SECTION, chunk.section.clone());
    payload.insert(F_SOURCE, chunk.source.as_str());
    payload.insert(F_ORDINAL, i64::from(chunk.ordinal));
    payload.insert(F_TEXT, chunk.text.as_str());
    payload
}

fn model_payload(tenant: &str, model_id: &str) -> Payload {
    let mut payload = Payload::new();
    payload.insert(F_KIND, KIND_MODEL);
    payload.insert(F_TENANT, tenant);
    payload.insert(F_MODEL, model_id);
    payload
}

/// The marker point needs a vector; a unit one, since cosine cannot normalise zero.
fn marker_vector(dimensions: usize) -> Vec<f32> {
    let mut vector = vec![0.0; dimensions];
    if let Some(first) = vector.first_mut() {
        *first = 1.0;
    }
    vector
}

/// Reads a chunk back from a search result's payload.
pub fn chunk_from_payload(payload: &HashMap<String, Value>) -> Result<Chunk, KnowledgeError> {
    let text = |field: &str| -> Result<String, KnowledgeError> {
        payload
            .get(field)
            .and_then(Value::as_str)
            .cloned()
            .ok_or_else(|| malformed(field))
    };
    let section = payload
        .get(F_SECTION)
        .and_then(Value::as_list)
        .ok_or_else(|| malformed(F_SECTION))?
        .iter()
        .map(|v| v.as_str().cloned().ok_or_else(|| malformed(F_SECTION)))
        .collect::<Result<Vec<_>, _>>()?;
    let ordinal = payload
        .get(F_ORDINAL)
        .and_then(Value::as_integer)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| malformed(F_ORDINAL))?;
    Ok(Chunk {
        id: text(F_CHUNK_ID)?,
        tenant: text(F_TENANT)?,
        document_id: text(F_DOCUMENT)?,
        title: text(F_TITLE)?,
        section,
        source: text(F_SOURCE)?,
        ordinal,
        text: text(F_TEXT)?,
    })
}

fn malformed(field: &str) -> KnowledgeError {
    KnowledgeError::Index(format!(
        "a Qdrant point has no valid `{field}`: the collection holds points Omnify did not write"
    ))
}

fn index_error(context: String, error: QdrantError) -> KnowledgeError {
    KnowledgeError::Index(format!("{context}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use qdrant_client::qdrant::condition::ConditionOneOf;
    use qdrant_client::qdrant::point_id::PointIdOptions;
    use qdrant_client::qdrant::points_selector::PointsSelectorOneOf;
    use std::collections::HashSet;

    fn uuid(id: &PointId) -> &str {
        match &id.point_id_options {
            Some(PointIdOptions::Uuid(s)) => s,
            other => panic!("expected a UUID id, got {other:?}"),
        }
    }

    /// (field, keyword) pairs of a filter's `must` conditions; panics on anything
    /// that is not an exact keyword match.
    fn keyword_conditions(filter: &Filter) -> Vec<(String, String)> {
        assert!(filter.should.is_empty() && filter.must_not.is_empty());
        filter
            .must
            .iter()
            .map(|c| match &c.condition_one_of {
                Some(ConditionOneOf::Field(field)) => {
                    match field.r#match.as_ref().and_then(|m| m.match_value.as_ref()) {
                        Some(MatchValue::Keyword(k)) => (field.key.clone(), k.clone()),
                        other => panic!("{} is not an exact match: {other:?}", field.key),
                    }
                }
                other => panic!("not a field condition: {other:?}"),
            })
            .collect()
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    fn delete_filter(request: &DeletePoints) -> &Filter {
        match request
            .points
            .as_ref()
            .and_then(|p| p.points_selector_one_of.as_ref())
        {
            Some(PointsSelectorOneOf::Filter(filter)) => filter,
            other => panic!("expected a filter selector, got {other:?}"),
        }
    }

    #[test]
    fn point_ids_are_stable_uuids() {
        let first = chunk_point_id("acme", "guide.md#0");
        assert_eq!(first, chunk_point_id("acme", "guide.md#0"));
        let text = uuid(&first);
        assert_eq!(text.len(), 36);
        assert_eq!(text.as_bytes()[14], b'8', "version 8: {text}");
        assert!(
            matches!(text.as_bytes()[19], b'8' | b'9' | b'a' | b'b'),
            "variant: {text}"
        );
        assert!(text.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        // Fixed so that a change of derivation, which would orphan every stored
        // point, cannot slip in unnoticed.
        assert_eq!(
            uuid_from_parts(&["omnify/chunk", "acme", "guide.md#0"]),
            text
        );
    }

    #[test]
    fn point_ids_do_not_collide_across_tenants_chunks_or_markers() {
        let mut seen = HashSet::new();
        for tenant in ["a", "ab", "b", "acme", "acme-eu", ""] {
            for chunk in [
                "",
                "b",
                "c",
                "bc",
                "guide.md#0",
                "guide.md#1",
                "omnify/embedding-model",
            ] {
                assert!(seen.insert(uuid(&chunk_point_id(tenant, chunk)).to_owned()));
            }
            assert!(seen.insert(uuid(&model_point_id(tenant)).to_owned()));
        }
        // The concatenations that a naive `tenant + chunk` would confuse.
        assert_ne!(chunk_point_id("ab", "c"), chunk_point_id("a", "bc"));
        for tenant in 0..200 {
            for chunk in 0..50 {
                let id = chunk_point_id(&format!("tenant-{tenant}"), &format!("doc.md#{chunk}"));
                assert!(seen.insert(uuid(&id).to_owned()));
            }
        }
    }

    #[test]
    fn the_filtered_fields_are_indexed_and_tenant_is_the_tenant_key() {
        use qdrant_client::qdrant::payload_index_params::IndexParams;
        let requests = field_index_requests("kb");
        let fields: Vec<&str> = requests.iter().map(|r| r.field_name.as_str()).collect();
        assert_eq!(fields, vec!["tenant", "document_id", "kind"]);
        for request in &requests {
            assert_eq!(request.collection_name, "kb");
            assert_eq!(request.field_type, Some(FieldType::Keyword as i32));
            let tenant_key = match request
                .field_index_params
                .as_ref()
                .and_then(|p| p.index_params.as_ref())
            {
                Some(IndexParams::KeywordIndexParams(k)) => k.is_tenant == Some(true),
                _ => false,
            };
            assert_eq!(
                tenant_key,
                request.field_name == "tenant",
                "{}",
                request.field_name
            );
        }
    }

    #[test]
    fn search_is_limited_to_the_tenants_chunks() {
        let request = search_request("kb", "acme", &[0.6, 0.8], 7);
        assert_eq!(request.collection_name, "kb");
        assert_eq!(request.limit, Some(7));
        let filter = request.filter.as_ref().unwrap();
        assert_eq!(
            keyword_conditions(filter),
            pairs(&[("tenant", "acme"), ("kind", "chunk")])
        );
        assert!(request.with_payload.is_some());
        assert!(request.query.is_some());
    }

    #[test]
    fn deleting_a_document_matches_tenant_and_document_exactly() {
        // A space would make `Condition::matches` a full-text match.
        let request = delete_document_request("kb", "acme corp", "plans/q3 plan.md");
        assert_eq!(request.collection_name, "kb");
        assert_eq!(request.wait, Some(true));
        assert_eq!(
            keyword_conditions(delete_filter(&request)),
            pairs(&[("tenant", "acme corp"), ("document_id", "plans/q3 plan.md")])
        );
    }

    #[test]
    fn clearing_a_tenant_deletes_by_tenant_only() {
        let request = clear_tenant_request("kb", "acme");
        assert_eq!(request.wait, Some(true));
        assert_eq!(
            keyword_conditions(delete_filter(&request)),
            pairs(&[("tenant", "acme")])
        );
    }

    fn sample_chunk() -> Chunk {
        Chunk {
            id: "playbooks/fatigue.md#3".to_owned(),
            tenant: "acme".to_owned(),
            document_id: "playbooks/fatigue.md".to_owned(),
            title: "Creative fatigue".to_owned(),
            section: vec!["Refresh cadence".to_owned(), "TikTok".to_owned()],
            source: "playbooks/fatigue.md".to_owned(),
            ordinal: 3,
            text: "Rotate hooks every 7–10 days; “frequency > 3” is the warning sign.".to_owned(),
        }
    }

    #[test]
    fn a_chunk_survives_the_payload_round_trip() {
        let chunk = sample_chunk();
        let payload: HashMap<String, Value> = chunk_payload("acme", &chunk).into();
        assert_eq!(
            payload
                .get("kind")
                .and_then(Value::as_str)
                .map(String::as_str),
            Some("chunk")
        );
        assert_eq!(chunk_from_payload(&payload).unwrap(), chunk);

        let mut no_sections = chunk.clone();
        no_sections.section.clear();
        let payload: HashMap<String, Value> = chunk_payload("acme", &no_sections).into();
        assert_eq!(chunk_from_payload(&payload).unwrap(), no_sections);
    }

    #[test]
    fn the_stored_tenant_is_the_one_the_call_was_for() {
        let mut chunk = sample_chunk();
        chunk.tenant = "someone-else".to_owned();
        let payload: HashMap<String, Value> = chunk_payload("acme", &chunk).into();
        assert_eq!(chunk_from_payload(&payload).unwrap().tenant, "acme");
    }

    #[test]
    fn a_foreign_point_is_reported_not_misread() {
        let mut payload: HashMap<String, Value> = chunk_payload("acme", &sample_chunk()).into();
        payload.remove("ordinal");
        let error = chunk_from_payload(&payload).unwrap_err();
        assert!(error.to_string().contains("`ordinal`"), "{error}");
        let marker: HashMap<String, Value> = model_payload("acme", "m").into();
        assert!(chunk_from_payload(&marker).is_err());
    }

    #[test]
    fn settings_refuse_a_zero_dimension_and_an_empty_collection() {
        let settings = QdrantSettings::default();
        assert!(QdrantIndex::new(&settings, 0).is_err());
        let unnamed = QdrantSettings {
            collection: " ".to_owned(),
            ..QdrantSettings::default()
        };
        assert!(QdrantIndex::new(&unnamed, 384).is_err());
        // Building the client does not connect, so this works with no server.
        let index = QdrantIndex::new(&settings, 384).unwrap();
        assert_eq!(index.collection(), DEFAULT_COLLECTION);
    }

    #[test]
    fn the_marker_vector_is_a_unit_vector() {
        let v = marker_vector(5);
        assert_eq!(v.len(), 5);
        assert_eq!(v.iter().map(|x| x * x).sum::<f32>(), 1.0);
    }
}
