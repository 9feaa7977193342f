"""The complaint map on real posts nobody here wrote: GermEval 2017 dev (Deutsche Bahn).

    .venv/bin/python bench/findings.py [--eval-dir ../shared/eval]

Each post goes through the NLP stage as it runs in production (`nlp.analyse.analyse_texts`:
language, brand scope with relevance rules, sentiment with the project's default models,
product areas from the keywords of bench/projects/deutsche_bahn.yaml). The complaint map's
ranking of product areas by the brand's negative posts (`routing.detectors.complaint_map.
area_ranking`, the same code the detector uses) is compared with the ranking the labels give:
per GermEval aspect category, the posts carrying that category with a negative polarity.
Every product area of the project file is ranked (one per category except "Allgemein", the
railway in general); the figure is Spearman's rank correlation (ties share their mean rank).

Baseline, in the same run: the same areas ranked by how many posts mention them at all
(keywords only, no sentiment, no brand scope).

The set is read by path and never copied. Without the folder it says so and exits 0.
Ends with one JSON line: {"benchmark": "findings", "complaint_map_spearman": ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

# bench/nlp.py shares its name with the `nlp` package; keep this folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from scipy.stats import spearmanr  # noqa: E402

from echolot.config import load_config  # noqa: E402
from nlp.analyse import analyse_texts, analyser_for  # noqa: E402
from routing.detectors.complaint_map import area_ranking  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EVAL_DIR = REPO.parent / "shared" / "eval"
DB_PROJECT = REPO / "bench" / "projects" / "deutsche_bahn.yaml"
SET_FILE = "germeval2017_dev.jsonl"
TARGET = 0.8
# GermEval aspect category -> the project file's product area.
CATEGORY_AREA = {
    "Zugfahrt": "zugfahrt",
    "Sonstige_Unregelmässigkeiten": "unregelmaessigkeiten",
    "Atmosphäre": "atmosphaere",
    "Sicherheit": "sicherheit",
    "Ticketkauf": "ticketkauf",
    "Auslastung_und_Platzangebot": "auslastung",
    "Informationen": "informationen",
    "Service_und_Kundenbetreuung": "service",
    "Connectivity": "connectivity",
    "Komfort_und_Ausstattung": "komfort",
    "DB_App_und_Website": "app_website",
    "Barrierefreiheit": "barrierefreiheit",
    "Toiletten": "toiletten",
    "Gastronomisches_Angebot": "gastronomie",
    "Design": "design",
    "Gepäck": "gepaeck",
    "Reisen_mit_Kindern": "kinder",
    "Image": "image",
}


def labelled_negatives(rows: list[dict]) -> Counter[str]:
    """Posts per area that the labellers marked negative on an aspect of that category."""
    counts: Counter[str] = Counter()
    for row in rows:
        areas = set()
        for aspect in row.get("aspects") or []:
            category, _, polarity = aspect.rpartition(":")
            area = CATEGORY_AREA.get(category.split("#")[0])
            if area and polarity == "negative":
                areas.add(area)
        counts.update(areas)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--project", type=Path, default=DB_PROJECT)
    args = parser.parse_args()
    path = args.eval_dir / SET_FILE
    if not path.is_file():
        print(f"{path} not found: the labelled GermEval set is not on this machine; "
              "pass --eval-dir DIR to run this benchmark (skipped)")  # fmt: skip
        return 0
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    config = load_config(args.project)
    areas = [a.name for a in config.product_areas]
    brand = config.brands[0].name

    started = time.perf_counter()
    analyser = analyser_for(config)
    results, report = analyse_texts(analyser, [r["text"] for r in rows],
                                    [r.get("lang") for r in rows])  # fmt: skip
    seconds = time.perf_counter() - started

    posts, everything = [], []
    for n, (row, result) in enumerate(zip(rows, results, strict=True)):
        model_score = result.sentiment[1] if result.sentiment is not None else None
        post = {
            "id": n, "kind": "post", "text": row["text"], "product_areas": result.product_areas,
            "topic_id": None, "sentiment_label": model_score.label if model_score else None,
            "polarity": model_score.polarity if model_score else None,
        }  # fmt: skip
        everything.append(post)
        # What the map counts: posts whose stored scope is about the brand (after relevance).
        if result.scope.relevant and brand in result.scope.brands:
            posts.append(post)

    truth = labelled_negatives(rows)
    mapped = dict(area_ranking(posts))
    mentions = Counter(a for p in everything for a in p["product_areas"])
    labels = [truth.get(a, 0) for a in areas]
    ours = [mapped.get(a, 0) for a in areas]
    baseline = [mentions.get(a, 0) for a in areas]
    rho = float(spearmanr(ours, labels).statistic)
    rho_baseline = float(spearmanr(baseline, labels).statistic)

    print(f"GermEval 2017 dev: {len(rows)} posts, {len(posts)} about {brand} by the stored scope, "
          f"{sum(p['sentiment_label'] == 'negative' for p in posts)} of them negative; "
          f"NLP stage {seconds:.1f} s ({report.sentiment_scored} scored)")  # fmt: skip
    print(f"{'area':<22}{'labelled negative':>18}{'map negative':>14}{'mentions':>10}")
    for area, t, o, b in sorted(zip(areas, labels, ours, baseline, strict=True),
                                key=lambda x: (-x[1], x[0])):  # fmt: skip
        print(f"{area:<22}{t:>18}{o:>14}{b:>10}")
    verdict = "met" if rho >= TARGET else f"NOT met ({TARGET - rho:.3f} short)"
    print(
        f"Spearman, complaint map vs labels: {rho:.3f} (target >= {TARGET}: {verdict}); "
        f"baseline (mentions, no sentiment): {rho_baseline:.3f}"
    )
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}")  # fmt: skip
    print(json.dumps({
        "benchmark": "findings", "complaint_map_spearman": round(rho, 4),
        "baseline_mentions_spearman": round(rho_baseline, 4), "areas": len(areas),
        "posts": len(rows), "posts_about_brand": len(posts),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
