//! What the knowledge base holds for each tenant: every document's fingerprint and
//! its chunks. One JSON file per document, replaced atomically, so an ingest that
//! dies half-way leaves each document either before or after, and the lexical
//! index and re-embedding can always be rebuilt from here.

use crate::durable;
use omnify_core::{Chunk, KnowledgeError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One ingested document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentRecord {
    pub document_id: String,
    pub title: String,
    pub source: String,
    /// SHA-256 of the file's bytes and the chunking settings: a change of either
    /// re-chunks the document.
    pub fingerprint: String,
    /// The folder the document was synced from, if any: a later sync of that folder
    /// removes it when the file is gone.
    #[serde(default)]
    pub folder: Option<String>,
    /// Seconds since the Unix epoch.
    pub ingested_at: u64,
    pub chunks: Vec<Chunk>,
    /// The document's text by section, for the page a citation links to. Records
    /// written before pages existed have none (the page then shows the chunks).
    #[serde(default)]
    pub sections: Vec<StoredSection>,
}

/// One section of a document as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSection {
    /// Headings from the top of the document down to this one.
    pub path: Vec<String>,
    pub text: String,
}

/// The per-document files under `<dir>/documents/<tenant as hex>/`.
#[derive(Debug, Clone)]
pub struct Registry {
    root: PathBuf,
}

impl Registry {
    pub fn open(dir: &Path) -> Result<Self, KnowledgeError> {
        let root = dir.join("documents");
        std::fs::create_dir_all(&root).map_err(|e| storage("create", &root, &e))?;
        Ok(Self { root })
    }

    fn tenant_dir(&self, tenant: &str) -> PathBuf {
        self.root.join(durable::tenant_folder(tenant))
    }

    fn document_path(&self, tenant: &str, document_id: &str) -> PathBuf {
        let name = hex::encode(Sha256::digest(document_id.as_bytes()));
        self.tenant_dir(tenant)
            .join(format!("{}.json", &name[..40]))
    }

    /// Every document of the tenant, by id.
    pub fn load_tenant(
        &self,
        tenant: &str,
    ) -> Result<BTreeMap<String, DocumentRecord>, KnowledgeError> {
        let dir = self.tenant_dir(tenant);
        let mut documents = BTreeMap::new();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(documents),
            Err(e) => return Err(storage("read", &dir, &e)),
        };
        for entry in entries {
            let path = entry.map_err(|e| storage("read", &dir, &e))?.path();
            // Leftover temporary files of an interrupted write are not documents.
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| storage("read", &path, &e))?;
            let record: DocumentRecord = serde_json::from_slice(&bytes).map_err(|e| {
                KnowledgeError::Index(format!(
                    "document registry file {} is damaged ({e}); remove it and ingest the document again",
                    path.display()
                ))
            })?;
            documents.insert(record.document_id.clone(), record);
        }
        Ok(documents)
    }

    pub fn save(&self, tenant: &str, record: &DocumentRecord) -> Result<(), KnowledgeError> {
        let path = self.document_path(tenant, &record.document_id);
        let bytes = serde_json::to_vec(record)
            .map_err(|e| KnowledgeError::Index(format!("cannot encode document record: {e}")))?;
        durable::replace_file(&path, &bytes).map_err(|e| storage("write", &path, &e))
    }

    pub fn remove(&self, tenant: &str, document_id: &str) -> Result<(), KnowledgeError> {
        let path = self.document_path(tenant, document_id);
        durable::remove_file(&path).map_err(|e| storage("remove", &path, &e))
    }
}

fn storage(action: &str, path: &Path, e: &std::io::Error) -> KnowledgeError {
    KnowledgeError::Index(format!(
        "cannot {action} the document registry at {}: {e}",
        path.display()
    ))
}
