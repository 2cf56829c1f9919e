#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! Chunking: sizes in tokens, overlap, sections never crossed, ids and metadata.

use omnify_knowledge::ChunkingSettings;
use omnify_knowledge::chunk::{
    ChunkOrigin, chunk_document, chunk_section, count_tokens, embedding_text,
};
use omnify_knowledge::document;

const ORIGIN: ChunkOrigin<'static> = ChunkOrigin {
    tenant: "acme",
    document_id: "playbooks/fatigue.md",
    source: "knowledge/docs/playbooks/fatigue.md",
};

/// Sentences numbered so order and overlap can be checked.
fn numbered_sentences(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                "Sentence number {i} explains how creative fatigue shows up in campaign metrics."
            )
        })
        .collect()
}

#[test]
fn every_chunk_fits_the_token_budget_and_all_text_is_kept_in_order() {
    let settings = ChunkingSettings {
        max_tokens: 60,
        overlap_tokens: 0,
    };
    let sentences = numbered_sentences(40);
    let paragraphs: Vec<String> = sentences.chunks(4).map(|p| p.join(" ")).collect();
    let text = paragraphs.join("\n\n");
    let chunks = chunk_section(&text, &settings);
    assert!(chunks.len() > 5);
    for c in &chunks {
        assert!(count_tokens(c) <= 60, "{} tokens: {c}", count_tokens(c));
    }
    // Without overlap, the chunks are the text, cut: every sentence once, in order.
    let rejoined = chunks.join(" ");
    let mut at = 0;
    for s in &sentences {
        let found = rejoined[at..]
            .find(s.as_str())
            .unwrap_or_else(|| panic!("missing or out of order: {s}"));
        at += found + s.len();
    }
    assert_eq!(rejoined.matches("Sentence number").count(), 40);
}

#[test]
fn chunks_prefer_paragraph_boundaries() {
    let settings = ChunkingSettings {
        max_tokens: 80,
        overlap_tokens: 0,
    };
    // Paragraphs of ~34 tokens: two fit in a chunk, three do not.
    let paragraphs: Vec<String> = numbered_sentences(12)
        .chunks(2)
        .map(|p| p.join(" "))
        .collect();
    let chunks = chunk_section(&paragraphs.join("\n\n"), &settings);
    for c in &chunks {
        assert!(
            paragraphs.iter().any(|p| c.starts_with(p.as_str())),
            "a chunk starts mid-paragraph: {c}"
        );
    }
}

#[test]
fn consecutive_chunks_overlap_by_whole_trailing_sentences() {
    let settings = ChunkingSettings {
        max_tokens: 60,
        overlap_tokens: 20,
    };
    let text = numbered_sentences(20).join(" ");
    let chunks = chunk_section(&text, &settings);
    assert!(chunks.len() >= 3);
    for pair in chunks.windows(2) {
        let last_sentence = pair[0].rsplit(". ").next().unwrap_or("");
        assert!(
            pair[1].starts_with(last_sentence.trim_end_matches('.')),
            "next chunk does not start with the previous chunk's last sentence:\n{}\n---\n{}",
            pair[0],
            pair[1]
        );
        assert!(count_tokens(&pair[1]) <= 60);
    }
}

#[test]
fn an_overlong_sentence_is_cut_between_words() {
    let settings = ChunkingSettings {
        max_tokens: 20,
        overlap_tokens: 0,
    };
    let long = (0..100)
        .map(|i| format!("word{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    let chunks = chunk_section(&long, &settings);
    assert!(chunks.len() >= 5);
    for c in &chunks {
        assert!(count_tokens(c) <= 20, "{c}");
        assert!(!c.starts_with(' ') && !c.ends_with(' '));
    }
    assert_eq!(chunks.join(" "), long);
}

#[test]
fn chunks_never_cross_sections_and_carry_their_metadata() {
    let md = format!(
        "# Creative fatigue\n\nIntro line.\n\n## Refresh cadence\n\n{}\n\n## Signals\n\nCTR falls while frequency rises.\n",
        numbered_sentences(15).join(" ")
    );
    let doc = document::parse("fatigue.md", md.as_bytes()).unwrap();
    let settings = ChunkingSettings {
        max_tokens: 50,
        overlap_tokens: 10,
    };
    let chunks = chunk_document(&doc, &ORIGIN, &settings);
    assert_eq!(chunks[0].text, "Intro line.");
    let last = chunks.last().unwrap();
    assert_eq!(last.text, "CTR falls while frequency rises.");
    assert_eq!(last.section, vec!["Creative fatigue", "Signals"]);
    for (i, c) in chunks.iter().enumerate() {
        assert_eq!(c.ordinal as usize, i);
        assert_eq!(c.id, format!("playbooks/fatigue.md#{i}"));
        assert_eq!(c.tenant, "acme");
        assert_eq!(c.title, "Creative fatigue");
        assert_eq!(c.source, ORIGIN.source);
        if c.text.contains("Sentence number") {
            assert_eq!(c.section, vec!["Creative fatigue", "Refresh cadence"]);
            assert!(!c.text.contains("CTR") && !c.text.contains("Intro"));
        }
    }
    // The embedded text leads with the title and section path.
    assert_eq!(
        embedding_text(last),
        "Creative fatigue › Signals\n\nCTR falls while frequency rises."
    );
}

#[test]
fn chunking_is_deterministic() {
    let doc = document::parse("a.md", numbered_sentences(30).join(" ").as_bytes()).unwrap();
    let settings = ChunkingSettings::default();
    assert_eq!(
        chunk_document(&doc, &ORIGIN, &settings),
        chunk_document(&doc, &ORIGIN, &settings)
    );
}

#[test]
fn nonsense_settings_are_refused() {
    assert!(
        ChunkingSettings {
            max_tokens: 8,
            overlap_tokens: 0
        }
        .validate()
        .is_err()
    );
    assert!(
        ChunkingSettings {
            max_tokens: 100,
            overlap_tokens: 60
        }
        .validate()
        .is_err()
    );
    assert!(ChunkingSettings::default().validate().is_ok());
}
