"""What the baseline matchers (`embedding_baseline.py`, `linear_baseline.py`) share."""


def choose_and_report(score, candidates):
    """Chooses the threshold on the dev split only (the one that maximises
    in-scope + out-of-scope accuracy there), then prints both splits'
    figures. `score(split, threshold)` gives (hit in, total in, hit out,
    total out)."""

    def total(threshold):
        hit_in, total_in, hit_out, total_out = score("dev", threshold)
        return hit_in / total_in + hit_out / total_out

    threshold = max(candidates, key=total)
    print(f"threshold chosen on dev: {threshold:.2f}")
    for split in ("dev", "test"):
        hit_in, total_in, hit_out, total_out = score(split, threshold)
        print(
            f"{split}: in scope {hit_in / total_in:.3f} ({hit_in}/{total_in}), "
            f"no entry {hit_out / total_out:.3f} ({hit_out}/{total_out})"
        )


def tally(answered):
    """(hit in, total in, hit out, total out) over (row, answer) pairs,
    the answer an entry id or None for "no entry"."""
    hit_in = total_in = hit_out = total_out = 0
    for row, answer in answered:
        if row["label"] == "none":
            total_out += 1
            hit_out += answer is None
        else:
            total_in += 1
            hit_in += answer == row["label"]
    return hit_in, total_in, hit_out, total_out
