"""Score extraction against gold annotations: precision, recall and F1 per field.

    python bench/extraction.py [--corpus DIR] [--show FIELD]

``--corpus`` defaults to ``../shared/corpus/releases`` next to the repository. Every
``NNN_*.txt`` (or ``.html``) with a ``NNN_*.json`` beside it is read and extracted in this process
(as ``kg extract --format json`` would), then compared field by field.

Matching rules (those of the corpus README):

* headline, published and contact fields: exact match after trimming white space;
  'exact match' is the share of releases whose value agrees with gold (both null agrees).
  ``published`` is compared at the gold value's precision (a prediction with a time
  matches a gold date of the same day). ``phone`` is compared through ``phone_e164``.
  A field where gold and prediction are both null is skipped; a value where gold is
  null is a false positive; a wrong value is both a false positive and a false negative.
* organizations, people, places: a predicted entity matches a gold entity when its
  name or any of its mentions equals (case-insensitively) the gold name or one of the
  gold mentions; each gold entity is matched at most once.
* posts: (person, title, organization); the person and organization match as entities,
  the title case-insensitively or as a substring either way. A gold organization of
  null matches any.
* quotes: the texts match after normalizing quotation marks and white space and
  stripping punctuation at both ends (or with >= 0.9 token overlap), and the speakers
  match as people.
* quantities: predicted quantities are first deduplicated by (value, unit); the value
  matches with relative error <= 1e-6 (both ends of a range) and the unit matches
  (``$`` counts as USD).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.extract.gold import extract_file  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "releases"
CONTACT_FIELDS = ("company", "person", "email", "phone_e164", "country", "city", "website")


@dataclass
class Tally:
    """True positives, predictions and gold items of one field."""

    tp: int = 0
    predicted: int = 0
    gold: int = 0
    agree: int = (
        0  # single-valued fields: releases where prediction and gold agree (null = null too)
    )
    releases: int = 0

    def add(self, tp: int, predicted: int, gold: int) -> None:
        self.tp, self.predicted, self.gold = (
            self.tp + tp,
            self.predicted + predicted,
            self.gold + gold,
        )

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _norm(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def score_single(
    tally: Tally, gold: Any, predicted: Any, same: Callable[[Any, Any], bool] | None = None
) -> None:
    """Add one release's single value to its tally, with the release-level agreement."""
    tp, n_pred, n_gold = score_value(gold, predicted, same)
    tally.add(tp, n_pred, n_gold)
    tally.releases += 1
    tally.agree += int(tp == 1 or (n_pred, n_gold) == (0, 0))


def score_value(
    gold: Any, predicted: Any, same: Callable[[Any, Any], bool] | None = None
) -> tuple[int, int, int]:
    """(tp, predicted, gold) of a single-valued field."""
    if gold in (None, "") and predicted in (None, ""):
        return 0, 0, 0
    if gold in (None, ""):
        return 0, 1, 0
    if predicted in (None, ""):
        return 0, 0, 1
    ok = same(gold, predicted) if same else _norm(gold) == _norm(predicted)
    return int(ok), 1, 1


def same_date(gold: str, predicted: str) -> bool:
    """Compare at the gold value's precision."""
    return predicted[: len(gold)] == gold


def forms(entity: dict[str, Any]) -> set[str]:
    return {_norm(f) for f in [entity.get("name"), *entity.get("mentions", [])] if f}


def match_entities(
    gold: list[dict[str, Any]], predicted: list[dict[str, Any]]
) -> list[tuple[int, int]]:
    """Pairs (gold index, predicted index), each gold and each prediction used at most once."""
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for p_index, entity in enumerate(predicted):
        mine = forms(entity)
        for g_index, candidate in enumerate(gold):
            if g_index not in used and mine & forms(candidate):
                used.add(g_index)
                pairs.append((g_index, p_index))
                break
    return pairs


def entity_matcher(gold: list[dict[str, Any]]) -> Callable[[str | None, str | None], bool]:
    """Whether a predicted name and a gold name denote the same entity (via gold mentions)."""

    def same(g_name: str | None, p_name: str | None) -> bool:
        if g_name is None or p_name is None:
            return g_name is None
        target = next(
            (forms(e) for e in gold if _norm(e["name"]) == _norm(g_name)), {_norm(g_name)}
        )
        return _norm(p_name) in target

    return same


def score_posts(gold_doc: dict[str, Any], pred_doc: dict[str, Any]) -> tuple[int, int, int]:
    same_person = entity_matcher(gold_doc["people"])
    same_org = entity_matcher(gold_doc["organizations"])
    gold = [
        (p["name"], r["title"], r["organization"]) for p in gold_doc["people"] for r in p["roles"]
    ]
    pred = [
        (p["name"], r["title"], r["organization"]) for p in pred_doc["people"] for r in p["roles"]
    ]
    used: set[int] = set()
    tp = 0
    for person, title, org in pred:
        for index, (g_person, g_title, g_org) in enumerate(gold):
            if index in used or not same_person(g_person, person):
                continue
            if not _title_matches(g_title, title) or not (g_org is None or same_org(g_org, org)):
                continue
            used.add(index)
            tp += 1
            break
    return tp, len(pred), len(gold)


def _title_matches(gold: str | None, predicted: str | None) -> bool:
    if gold is None or predicted is None:
        return gold is None and predicted is None
    g, p = _norm(gold), _norm(predicted)
    return g in p or p in g


QUOTE_MARKS = str.maketrans({c: '"' for c in "“”„‟«»"} | {c: "'" for c in "‘’‚‛"})


def quote_key(text: str) -> str:
    text = " ".join(text.translate(QUOTE_MARKS).split())
    return re.sub(r"^[\W_]+|[\W_]+$", "", text).casefold()


def same_quote(gold: str, predicted: str) -> bool:
    g, p = quote_key(gold), quote_key(predicted)
    if g == p:
        return True
    g_tokens, p_tokens = g.split(), p.split()
    overlap = len(set(g_tokens) & set(p_tokens))
    return (
        bool(g_tokens and p_tokens) and overlap / max(len(set(g_tokens)), len(set(p_tokens))) >= 0.9
    )


def score_quotes(gold_doc: dict[str, Any], pred_doc: dict[str, Any]) -> tuple[int, int, int]:
    same_person = entity_matcher(gold_doc["people"] + gold_doc["organizations"])
    used: set[int] = set()
    tp = 0
    for quote in pred_doc["quotes"]:
        for index, gold in enumerate(gold_doc["quotes"]):
            if index in used or not same_quote(gold["text"], quote["text"]):
                continue
            if same_person(gold["speaker"], quote["speaker"]):
                used.add(index)
                tp += 1
            break
    return tp, len(pred_doc["quotes"]), len(gold_doc["quotes"])


def _unit(unit: str | None) -> str:
    return "USD" if unit in ("$", "usd", "USD") else (unit or "").casefold()


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1e-12)


def score_quantities(gold_doc: dict[str, Any], pred_doc: dict[str, Any]) -> tuple[int, int, int]:
    seen: set[tuple[float, str]] = set()
    predicted = []
    for quantity in pred_doc["quantities"]:
        key = (float(quantity["value"]), _unit(quantity.get("unit")))
        if key not in seen:
            seen.add(key)
            predicted.append(quantity)
    used: set[int] = set()
    tp = 0
    for quantity in predicted:
        for index, gold in enumerate(gold_doc["quantities"]):
            if index in used or _unit(gold.get("unit")) != _unit(quantity.get("unit")):
                continue
            if _close(gold["value"], quantity["value"]) and _close(
                gold.get("value_max"), quantity.get("value_max")
            ):
                used.add(index)
                tp += 1
                break
    return tp, len(predicted), len(gold_doc["quantities"])


def score_release(gold: dict[str, Any], pred: dict[str, Any], tallies: dict[str, Tally]) -> None:
    """Add one release's counts to the per-field tallies."""
    score_single(tallies["headline"], gold["headline"], pred.get("headline"))
    score_single(tallies["published"], gold["published"], pred.get("published"), same_date)
    for field in CONTACT_FIELDS:
        score_single(
            tallies[f"contact.{field}"], gold["contact"].get(field), pred["contact"].get(field)
        )
    for field in ("organizations", "people", "places"):
        pairs = match_entities(gold[field], pred[field])
        tallies[field].add(len(pairs), len(pred[field]), len(gold[field]))
    tallies["posts"].add(*score_posts(gold, pred))
    tallies["quotes"].add(*score_quotes(gold, pred))
    tallies["quantities"].add(*score_quantities(gold, pred))


FIELDS = (
    "headline",
    "published",
    *(f"contact.{f}" for f in CONTACT_FIELDS),
    "organizations",
    "people",
    "posts",
    "places",
    "quotes",
    "quantities",
)


def table(tallies: dict[str, Tally]) -> str:
    rows = [
        "| field | gold | predicted | correct | precision | recall | F1 | exact match |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for field in FIELDS:
        t = tallies[field]
        exact = f"{t.agree / t.releases:.3f}" if t.releases else "—"
        rows.append(
            f"| {field} | {t.gold} | {t.predicted} | {t.tp} | {t.precision:.3f} | "
            f"{t.recall:.3f} | {t.f1:.3f} | {exact} |"
        )
    return "\n".join(rows)


def pairs_in(corpus: Path) -> Iterable[tuple[Path, Path]]:
    """Every release file (text or HTML page) with a gold annotation of the same name."""
    for text in sorted(p for p in corpus.iterdir() if p.suffix in (".txt", ".html", ".htm")):
        gold = text.with_suffix(".json")
        if gold.exists():
            yield text, gold


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help="folder of NNN_*.txt releases with NNN_*.json gold (default: %(default)s)",
    )
    parser.add_argument(
        "--build",
        action="store_true",
        help="also time a whole build of the corpus copied 10 times (releases per second)",
    )
    parser.add_argument(
        "--show",
        metavar="FIELD",
        help="print gold and predicted values of one field for every release",
    )
    args = parser.parse_args(argv)
    pairs = list(pairs_in(args.corpus))
    if not pairs:
        parser.error(f"{args.corpus}: no release with a gold annotation")
    tallies = {field: Tally() for field in FIELDS}
    started = time.perf_counter()
    for text, gold_path in pairs:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        pred = extract_file(text)
        score_release(gold, pred, tallies)
        if args.show:
            _show(args.show, text.name, gold, pred)
    elapsed = time.perf_counter() - started
    print(f"{len(pairs)} releases from {args.corpus}, extracted and scored in {elapsed:.2f} s\n")
    print(table(tallies))
    if args.build:
        rate, cpu_rate, count, skipped = build_rate(args.corpus)
        print(
            f"\nWhole build (read, extract, resolve, encode, SHACL gate, store, dumps) of "
            f"{count} releases (the corpus 10 times): {rate:.1f} releases/s wall-clock, "
            f"{cpu_rate:.1f} releases per CPU-second; {skipped} left out by the gate"
        )
    return 0


def build_rate(corpus: Path, copies: int = 10) -> tuple[float, float, int, int]:
    """Releases per second of one whole build of the corpus copied ``copies`` times.

    Copies get their own file names (so their own releases); the process starts cold,
    so word lists, shapes and the first store are paid for once, as in `kg build`.
    Returns releases per second of wall-clock time and of this process's CPU time (the
    second does not depend on what else the machine runs).
    """
    from kg.build import build
    from kg.config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        data, extra = Path(tmp) / "data", Path(tmp) / "releases"
        (data / "releases").mkdir(parents=True)
        extra.mkdir()
        for copy in range(copies):
            for path in corpus.glob("*.txt"):
                (extra / f"{copy:02d}{path.name}").write_bytes(path.read_bytes())
        count = len(list(extra.iterdir()))
        settings = Settings(data_dir=data, build_dir=Path(tmp) / "build")
        started, cpu = time.perf_counter(), time.process_time()
        result = build(settings, skip_invalid=True, extra_dirs=(extra,))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        return count / wall, count / cpu, count, len(result.skipped)


def _show(field: str, name: str, gold: dict[str, Any], pred: dict[str, Any]) -> None:
    def pick(doc: dict[str, Any]) -> Any:
        value: Any = doc
        for part in field.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    print(
        f"== {name}\n  gold: {json.dumps(pick(gold), ensure_ascii=False)}\n"
        f"  pred: {json.dumps(pick(pred), ensure_ascii=False)}"
    )


if __name__ == "__main__":
    sys.exit(main())
