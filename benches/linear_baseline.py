#!/usr/bin/env python3
"""A trained linear classifier over the same knowledge, for comparison with helpdesk's.

A linear support-vector machine (scikit-learn's LinearSVC, its default C)
learns one class per entry and one "no entry" class from every text of the
knowledge: entries' titles, keywords and examples, and the out-of-scope
topics' keywords and examples. Features are TF-IDF weights of words and
word pairs plus character 3- to 5-grams (which absorb typos and inflection).
A question goes to the entry with the highest decision value, or to "no
entry" when the "no entry" class scores higher or the best entry's value is
under a threshold. As in `embedding_baseline.py`, the threshold is chosen on
the corpus's dev split only (the one that maximises in-scope + out-of-scope
accuracy there), then the figures are printed for both splits.

With `--folds N` it cross-validates inside dev instead: each fold's rows are
taken out of the training texts (where the knowledge holds them as
examples), the rest train, the fold is scored; the figures are printed for
a few thresholds.

    pip install scikit-learn
    python3 benches/linear_baseline.py knowledge tests/data/real/questions.jsonl
    python3 benches/linear_baseline.py knowledge tests/data/real/questions.jsonl --folds 4
"""

import hashlib
import json
import os
import re
import sys
import tomllib

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_union
from sklearn.svm import LinearSVC

from baselines import choose_and_report, tally

NO_ENTRY = "\0no entry"


def read_knowledge(folder):
    texts, labels = [], []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.endswith(".md"):
            _, front, _ = open(path, encoding="utf-8").read().split("+++", 2)
            entry = tomllib.loads(front)
            found = [entry["title"], ", ".join(entry.get("keywords", []))]
            found += entry.get("examples", [])
            texts += found
            labels += [entry["id"]] * len(found)
        elif name == "out-of-scope.toml":
            for topic in tomllib.load(open(path, "rb"))["topics"]:
                found = [", ".join(topic.get("keywords", []))] + topic.get("examples", [])
                texts += found
                labels += [NO_ENTRY] * len(found)
    return texts, labels


def train(texts, labels):
    features = make_union(
        TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)),
        TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(3, 5)),
    )
    classifier = LinearSVC().fit(features.fit_transform(texts), labels)
    return features, classifier


def best_entries(features, classifier, questions):
    """Each question's best entry, its decision value and "no entry"'s."""
    classes = list(classifier.classes_)
    no_entry = classes.index(NO_ENTRY)
    best = []
    for values in classifier.decision_function(features.transform(questions)):
        entry = max((i for i in range(len(classes)) if i != no_entry), key=lambda i: values[i])
        best.append((classes[entry], float(values[entry]), float(values[no_entry])))
    return best


def score(rows, best, threshold):
    return tally(
        (row, entry if value >= threshold and value > no_entry_value else None)
        for row, (entry, value, no_entry_value) in zip(rows, best)
    )


def same_text(text):
    # A row's lines are joined with " / " where it became an example.
    return re.sub(r"\W+", " ", text.replace("\n", " / ").lower()).strip()


def cross_validate(texts, labels, dev, folds):
    fold_of = {row["id"]: int(hashlib.sha256(row["id"].encode()).hexdigest(), 16) % folds for row in dev}
    row_of_text = {same_text(row["text"]): row["id"] for row in dev}
    scored_rows, best = [], []
    for fold in range(folds):
        kept = [
            (text, label)
            for text, label in zip(texts, labels)
            if fold_of.get(row_of_text.get(same_text(text))) != fold
        ]
        features, classifier = train([t for t, _ in kept], [l for _, l in kept])
        held = [row for row in dev if fold_of[row["id"]] == fold]
        scored_rows += held
        best += best_entries(features, classifier, [row["text"] for row in held])
    for threshold in (-1.0, -0.6, -0.5, -0.4, -0.2, 0.0):
        hit_in, total_in, hit_out, total_out = score(scored_rows, best, threshold)
        print(f"{folds}-fold, threshold {threshold:+.1f}: in scope {hit_in / total_in:.3f}, no entry {hit_out / total_out:.3f}")


def main():
    folder, corpus = sys.argv[1], sys.argv[2]
    texts, labels = read_knowledge(folder)
    rows = [json.loads(line) for line in open(corpus, encoding="utf-8") if line.strip()]
    dev = [row for row in rows if row["split"] == "dev"]
    if "--folds" in sys.argv:
        cross_validate(texts, labels, dev, int(sys.argv[sys.argv.index("--folds") + 1]))
        return
    features, classifier = train(texts, labels)
    best = best_entries(features, classifier, [row["text"] for row in rows])

    def split_score(split, threshold):
        chosen = [(row, found) for row, found in zip(rows, best) if row["split"] == split]
        return score([row for row, _ in chosen], [found for _, found in chosen], threshold)

    choose_and_report(split_score, [t / 20 for t in range(-30, 21)])

if __name__ == "__main__":
    main()
