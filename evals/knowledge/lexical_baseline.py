#!/usr/bin/env python3
"""A quick lexical sanity check of the labelled questions, independent of the Rust crate.

Splits every document in knowledge/docs/ into one passage per heading (title and section
path prepended, as the knowledge base does for its chunks), ranks passages for each question
with BM25 (k1 1.2, b 0.75, lowercase words, a small stopword list, light suffix stemming),
and reports hit@5, recall@5 and MRR with the same relevance rule as the real evaluation: a
passage is relevant when it comes from a label's document and its section path contains the
label's heading. It is a floor for the real hybrid search and a way to spot questions no
passage can match; it is not the knowledge base's own quality figure
(see knowledge/examples for that).

Usage: python3 evals/knowledge/lexical_baseline.py [--misses]
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

sys.dont_write_bytecode = True  # no __pycache__ beside the questions
sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_labels import FENCE, HEADING, ROOT  # noqa: E402

STOP = set(
    "a an and are as at be but by can do does for from how i if in into is it its my of on or our "
    "should so that the their then there these they this to was we what when where which who why "
    "will with you your".split()
)
K1, B, TOP = 1.2, 0.75, 5


def stem(word: str) -> str:
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def tokens(text: str) -> list[str]:
    return [stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP]


def passages(docs_dir: Path) -> list[tuple[str, list[str], list[str]]]:
    """(document, section path, tokens) for the text under each heading."""
    out = []
    for path in sorted(docs_dir.rglob("*.md")):
        doc = path.relative_to(docs_dir).as_posix()
        stack: list[tuple[int, str]] = []
        title, body, in_fence = "", [], False

        def flush() -> None:
            if body:
                section = [h for level, h in stack if level > 1]
                out.append((doc, section, tokens(" ".join([title, *section, *body]))))

        for line in path.read_text(encoding="utf-8").splitlines():
            if FENCE.match(line):
                in_fence = not in_fence
            m = None if in_fence else HEADING.match(line)
            if m:
                flush()
                body = []
                level, text = len(m.group(1)), m.group(2).strip()
                title = title or text
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, text))
            elif line.strip():
                body.append(line)
        flush()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", action="store_true", help="list questions with no relevant passage in the top 5")
    args = parser.parse_args()

    corpus = passages(ROOT / "knowledge" / "docs")
    questions = yaml.safe_load((ROOT / "evals" / "knowledge" / "questions.yaml").read_text(encoding="utf-8"))
    df = Counter(t for _, _, toks in corpus for t in set(toks))
    n, avg = len(corpus), sum(len(toks) for _, _, toks in corpus) / len(corpus)
    tfs = [Counter(toks) for _, _, toks in corpus]

    hits = recall = rr = 0.0
    misses = []
    for q in questions:
        terms = tokens(q["question"])
        scores = []
        for i, (_, _, toks) in enumerate(corpus):
            s = 0.0
            for t in terms:
                f = tfs[i][t]
                if f:
                    idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                    s += idf * f * (K1 + 1) / (f + K1 * (1 - B + B * len(toks) / avg))
            scores.append((s, i))
        ranked = [i for s, i in sorted(scores, reverse=True) if s > 0]
        labels = [(label["doc"], label["section"]) for label in q["relevant"]]

        def relevant(i: int, label: tuple[str, str]) -> bool:
            doc, section = corpus[i][0], corpus[i][1]
            return doc == label[0] and label[1] in section

        top = ranked[:TOP]
        found = [lab for lab in labels if any(relevant(i, lab) for i in top)]
        recall += len(found) / len(labels)
        hits += 1.0 if found else 0.0
        first = next((k for k, i in enumerate(ranked) if any(relevant(i, lab) for lab in labels)), None)
        rr += 0.0 if first is None else 1.0 / (first + 1)
        if not found:
            misses.append(q["question"])

    m = len(questions)
    print(f"passages: {n}, questions: {m}")
    print(f"BM25 (section passages): hit@5 {hits / m:.3f}, recall@5 {recall / m:.3f}, MRR {rr / m:.3f}")
    if args.misses:
        for question in misses:
            print(f"miss: {question}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
