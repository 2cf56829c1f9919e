#!/usr/bin/env python3
"""Check the labelled retrieval questions against the seed knowledge base.

Every label in evals/knowledge/questions.yaml must name a document under knowledge/docs/
and a heading that exists verbatim in it; a retrieved chunk counts as relevant when its
section path contains that heading, so a label that does not match a heading exactly
would silently make a question unanswerable. The script also checks what the evaluation
relies on: at most 3 labels per question, no heading label that is ambiguous within its
document (the same text twice would make unrelated chunks count as relevant), no label on
a document's title (it would make the whole document relevant), and every document covered
by at least two questions. It checks the documents too: a `# Title` first line, no
front-matter, kebab-case file names, 600–1,500 words.

Usage: python3 evals/knowledge/check_labels.py [--docs DIR] [--questions FILE]
Exits 0 when everything passes, 1 otherwise, printing one line per problem.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MIN_WORDS, MAX_WORDS = 600, 1500
MIN_QUESTIONS, MIN_PER_DOC, MAX_LABELS = 70, 2, 3
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*\.md$")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")
SETEXT = re.compile(r"^[ \t]*(-{2,}|={2,})[ \t]*$")


def headings(text: str) -> tuple[list[tuple[int, str]], list[int]]:
    """ATX headings as (level, text), skipping fenced code blocks (a `# comment` in a
    shell snippet is not a heading), and the line numbers of setext underlines: the
    knowledge base's Markdown loader reads a text line underlined with `---`/`===` as a
    heading, which labels cannot rely on, so the documents must not use them."""
    found, setext, in_fence, previous = [], [], False, ""
    for n, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            in_fence = not in_fence
            previous = ""
            continue
        if in_fence:
            continue
        m = HEADING.match(line)
        if m:
            found.append((len(m.group(1)), m.group(2).strip()))
        elif SETEXT.match(line) and previous.strip() and not previous.lstrip().startswith("|"):
            setext.append(n)
        previous = line
    return found, setext


def check_docs(docs_dir: Path) -> tuple[dict[str, list[tuple[int, str]]], list[str], dict[str, int]]:
    docs, problems, words = {}, [], {}
    for path in sorted(docs_dir.rglob("*")):
        if path.is_dir():
            continue
        rel = path.relative_to(docs_dir).as_posix()
        if path.suffix != ".md":
            problems.append(f"{rel}: not a Markdown document")
            continue
        if path.name.lower() == "readme.md":
            problems.append(f"{rel}: no README inside docs/ (it would be ingested)")
        if not KEBAB.match(path.name):
            problems.append(f"{rel}: file name is not kebab-case")
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        if first.startswith("---"):
            problems.append(f"{rel}: has front-matter")
        if not re.match(r"^# \S", first):
            problems.append(f"{rel}: first line must be `# Title`, got {first!r}")
        hs, setext = headings(text)
        for n in setext:
            problems.append(f"{rel}:{n}: setext heading underline; use `## Heading` instead")
        if sum(1 for level, _ in hs if level == 1) != 1:
            problems.append(f"{rel}: must have exactly one `#` title")
        n = len(text.split())
        words[rel] = n
        if not MIN_WORDS <= n <= MAX_WORDS:
            problems.append(f"{rel}: {n} words, expected {MIN_WORDS}-{MAX_WORDS}")
        docs[rel] = hs
    return docs, problems, words


def check_questions(questions: object, docs: dict[str, list[tuple[int, str]]]) -> tuple[list[str], Counter]:
    problems: list[str] = []
    per_doc: Counter = Counter()
    if not isinstance(questions, list):
        return ["questions file must be a YAML list"], per_doc
    seen: set[str] = set()
    for i, q in enumerate(questions, 1):
        where = f"question {i}"
        if not isinstance(q, dict) or set(q) != {"question", "relevant"}:
            problems.append(f"{where}: must have exactly `question` and `relevant`")
            continue
        text = q["question"]
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: empty question")
            continue
        where = f"question {i} ({text!r})"
        if text.strip().lower() in seen:
            problems.append(f"{where}: duplicate question")
        seen.add(text.strip().lower())
        labels = q["relevant"]
        if not isinstance(labels, list) or not 1 <= len(labels) <= MAX_LABELS:
            problems.append(f"{where}: needs 1-{MAX_LABELS} labels")
            continue
        docs_of_question = set()
        for label in labels:
            if not isinstance(label, dict) or set(label) != {"doc", "section"}:
                problems.append(f"{where}: a label must have exactly `doc` and `section`")
                continue
            doc, section = label["doc"], label["section"]
            if doc not in docs:
                problems.append(f"{where}: no document {doc!r} under knowledge/docs/")
                continue
            texts = [h for _, h in docs[doc]]
            levels = {h: level for level, h in docs[doc]}
            count = texts.count(section)
            if count == 0:
                close = [h for h in texts if h.lower() == str(section).lower()]
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(f"{where}: {doc} has no heading {section!r}{hint}")
            elif count > 1:
                problems.append(f"{where}: heading {section!r} appears {count} times in {doc}; label its parent")
            elif levels[section] == 1:
                problems.append(f"{where}: {section!r} is the title of {doc}; label a section")
            docs_of_question.add(doc)
        for doc in docs_of_question:
            per_doc[doc] += 1
    if len(questions) < MIN_QUESTIONS:
        problems.append(f"{len(questions)} questions, expected at least {MIN_QUESTIONS}")
    for doc in docs:
        if per_doc[doc] < MIN_PER_DOC:
            problems.append(f"{doc}: covered by {per_doc[doc]} question(s), expected at least {MIN_PER_DOC}")
    return problems, per_doc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, default=ROOT / "knowledge" / "docs")
    parser.add_argument("--questions", type=Path, default=ROOT / "evals" / "knowledge" / "questions.yaml")
    args = parser.parse_args()

    docs, problems, words = check_docs(args.docs)
    try:
        questions = yaml.safe_load(args.questions.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        print(f"FAIL cannot read {args.questions}: {e}")
        return 1
    q_problems, per_doc = check_questions(questions, docs)
    problems += q_problems

    n_questions = len(questions) if isinstance(questions, list) else 0
    n_labels = sum(len(q.get("relevant") or []) for q in questions if isinstance(q, dict)) if n_questions else 0
    guide = sum(
        1
        for q in (questions if isinstance(questions, list) else [])
        if isinstance(q, dict) and any(str(l.get("doc", "")).startswith("guide/") for l in q.get("relevant") or [] if isinstance(l, dict))
    )
    print(f"documents: {len(docs)} ({sum(words.values())} words)")
    print(f"questions: {n_questions}, labels: {n_labels}, questions touching the user guide: {guide}")
    print(f"questions per document: min {min(per_doc[d] for d in docs) if docs else 0}, max {max(per_doc[d] for d in docs) if docs else 0}")
    for p in problems:
        print(f"FAIL {p}")
    print("OK: every label points at an existing heading" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
