#!/usr/bin/env python3
"""Writes the shipped knowledge as a help desk's own plain knowledge would be.

Each English entry keeps its id, title, keywords, answer and its first ten
team-written examples (those before the block of real dev questions); its
phrases, tags, related entries and dialogue are dropped, and so are the
out-of-scope topics, the vocabulary and the dialogues. The result is what
issue 11 calls plain knowledge, for measuring the matcher (and the baselines)
on it:

    python3 benches/plain_knowledge.py knowledge tests/data/plain
"""

import json
import os
import sys
import tomllib

EXAMPLES = 10
REAL_BLOCK = "# Real questions"


def team_examples(front):
    """The examples written before the block of real questions, in order."""
    lines = front.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("examples = ["))
    examples = []
    for line in lines[start + 1 :]:
        stripped = line.strip()
        if stripped == "]" or stripped.startswith(REAL_BLOCK):
            break
        examples.append(tomllib.loads("x = " + stripped.rstrip(","))["x"])
    return examples


def toml_string(text):
    # A JSON string is a valid TOML basic string.
    return json.dumps(text, ensure_ascii=False)


def plain_entry(path):
    _, front, body = open(path, encoding="utf-8").read().split("+++", 2)
    entry = tomllib.loads(front)
    examples = team_examples(front)[:EXAMPLES]
    lines = [
        "+++",
        f"id = {toml_string(entry['id'])}",
        f"title = {toml_string(entry['title'])}",
        "keywords = [" + ", ".join(map(toml_string, entry.get("keywords", []))) + "]",
        "examples = [",
        *(f"  {toml_string(example)}," for example in examples),
        "]",
        "+++",
    ]
    return "\n".join(lines) + body


def main():
    source, target = sys.argv[1], sys.argv[2]
    os.makedirs(target, exist_ok=True)
    for name in sorted(os.listdir(source)):
        if name.endswith(".md"):
            text = plain_entry(os.path.join(source, name))
            with open(os.path.join(target, name), "w", encoding="utf-8") as out:
                out.write(text)


if __name__ == "__main__":
    main()
