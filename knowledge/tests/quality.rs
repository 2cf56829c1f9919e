#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! The quality harness on a small labelled fixture, and its scoring on known cases.

use omnify_knowledge::base::Citation;
use omnify_knowledge::quality::{self, Label, Question, score_question};
use omnify_knowledge::{
    ChunkingSettings, EmbeddedIndex, HashingEmbedder, KnowledgeBase, SearchMode,
};
use std::path::Path;
use std::sync::Arc;

fn citation(doc: &str, section: &[&str]) -> Citation {
    Citation {
        chunk_id: format!("{doc}#0"),
        document_id: doc.to_owned(),
        title: "T".to_owned(),
        section: section.iter().map(|s| (*s).to_owned()).collect(),
        source: doc.to_owned(),
        ordinal: 0,
        text: String::new(),
        score: 0.0,
    }
}

#[test]
fn recall_counts_labels_found_and_rank_is_the_first_relevant() {
    let q = Question {
        question: "q".to_owned(),
        relevant: vec![
            Label {
                doc: "a.md".to_owned(),
                section: "Signals".to_owned(),
            },
            Label {
                doc: "a.md".to_owned(),
                section: "Meta".to_owned(),
            },
        ],
    };
    let ranked = vec![
        citation("b.md", &["Signals"]),
        citation("a.md", &["Fatigue", "Refresh", "Meta"]),
        citation("a.md", &["Fatigue"]),
    ];
    let s = score_question(&q, &ranked, 5);
    assert_eq!(s.recall, 0.5);
    assert_eq!(s.first_relevant, Some(2));
    // Cut to the top 1: nothing relevant.
    let s = score_question(&q, &ranked, 1);
    assert_eq!((s.recall, s.first_relevant), (0.0, None));
}

#[tokio::test]
async fn the_fixture_corpus_is_retrieved_in_every_mode() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let data = tempfile::tempdir().unwrap();
    let kb = KnowledgeBase::open(
        &data.path().join("knowledge"),
        Arc::new(HashingEmbedder),
        Arc::new(EmbeddedIndex::open(&data.path().join("vectors")).unwrap()),
        ChunkingSettings::default(),
    )
    .unwrap();
    let report = kb
        .ingest_path("eval", &fixtures.join("corpus"), &|_| {})
        .await
        .unwrap();
    assert_eq!(report.added, 3);
    let questions = quality::load_questions(&fixtures.join("questions.yaml")).unwrap();
    assert_eq!(questions.len(), 4);
    let scores = quality::evaluate(&kb, "eval", &questions, 5).await.unwrap();
    assert_eq!(
        scores.iter().map(|s| s.mode).collect::<Vec<_>>(),
        SearchMode::ALL.to_vec()
    );
    let lexical = &scores[0];
    // Every question shares words with its section, so BM25 finds all of them in a
    // corpus this small.
    assert_eq!(lexical.hit_rate, 1.0, "{lexical:#?}");
    for s in &scores {
        assert!(s.recall >= 0.75, "{s:#?}");
        assert!(s.mrr > 0.5, "{s:#?}");
    }
    let table = quality::markdown_table(&scores);
    assert!(
        table.starts_with("| mode | recall@5 | hit@5 | MRR@5 |"),
        "{table}"
    );
    assert_eq!(table.lines().count(), 5);
}

#[test]
fn a_question_without_labels_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.yaml");
    std::fs::write(&path, "- question: orphan\n  relevant: []\n").unwrap();
    let err = quality::load_questions(&path).unwrap_err();
    assert!(err.to_string().contains("orphan"), "{err}");
}
