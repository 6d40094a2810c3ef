"""The evaluation report: one self-contained HTML page beside the bundle.

Plots are matplotlib SVG with text kept as text (``svg.fonttype = none``), so
the browser draws the Korean labels with its own fonts: no Korean font is
needed where the report is made.
"""

from __future__ import annotations

import html
import io
import logging
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from matcher.domain import GROUP_NAMES_KO

SIDE_TITLES = {"seeker": "구직자 → 공고 추천", "opening": "공고 → 후보자 추천"}
METRIC_LABELS = {
    "ndcg@10": "NDCG@10",
    "recall@10": "Recall@10",
    "mrr": "MRR",
    "hire_hit@10": "채용 적중@10",
    "coverage": "공고 노출 범위",
    "gini": "노출 집중도(Gini)",
    "queries": "평가 질의 수",
}
GROUP_LABELS = {**GROUP_NAMES_KO, "none": "해당 없음"}


def _svg(fig: plt.Figure) -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing Korean glyphs in the local font: the browser draws them
        fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _style() -> None:
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # absent Korean fonts are expected
    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.family": [
                "Noto Sans KR",
                "Noto Sans CJK KR",
                "NanumGothic",
                "Malgun Gothic",
                "AppleGothic",
                "sans-serif",
            ],
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def _group_bars(side_report: dict) -> str:
    systems = side_report["groups"]
    best = _best_baseline(side_report)
    names = ["jobmatch"] + ([best] if best else [])
    groups = sorted(systems["jobmatch"])
    fig, ax = plt.subplots(figsize=(7, 3.2))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        values = [systems[name].get(g, np.nan) for g in groups]
        ax.bar(np.arange(len(groups)) + i * width, values, width, label=name)
    ax.set_xticks(np.arange(len(groups)) + width * (len(names) - 1) / 2)
    ax.set_xticklabels([GROUP_LABELS.get(g, g) for g in groups])
    ax.set_ylabel("NDCG@10")
    ax.set_title("집단별 NDCG@10")
    ax.legend(frameon=False)
    return _svg(fig)


def _score_distribution(score_gain: np.ndarray) -> str:
    fig, ax = plt.subplots(figsize=(7, 3.2))
    scores, gains = score_gain[:, 0], score_gain[:, 1]
    bins = np.linspace(np.nanmin(scores), np.nanmax(scores), 40)
    ax.hist(scores[gains <= 0], bins=bins, alpha=0.6, density=True, label="관련 없음")
    ax.hist(scores[gains > 0], bins=bins, alpha=0.6, density=True, label="지원·면접·채용")
    ax.set_xlabel("예측 점수")
    ax.set_ylabel("밀도")
    ax.set_title("점수 분포")
    ax.legend(frameon=False)
    return _svg(fig)


def _calibration(score_gain: np.ndarray) -> str:
    scores, gains = score_gain[:, 0], score_gain[:, 1]
    edges = np.unique(np.quantile(scores, np.linspace(0, 1, 11)))
    which = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, len(edges) - 2)
    predicted = np.array([scores[which == b].mean() for b in range(len(edges) - 1)])
    observed = np.array([gains[which == b].mean() for b in range(len(edges) - 1)])
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot(predicted, observed, "o-", label="jobmatch")
    low, high = min(predicted.min(), observed.min()), max(predicted.max(), observed.max())
    ax.plot([low, high], [low, high], ":", color="grey", label="완전 보정")
    ax.set_xlabel("예측 등급 (구간 평균)")
    ax.set_ylabel("실제 등급 (구간 평균)")
    ax.set_title("보정 곡선")
    ax.legend(frameon=False)
    return _svg(fig)


def _best_baseline(side_report: dict) -> str | None:
    baselines = {n: m["ndcg@10"] for n, m in side_report["systems"].items() if n != "jobmatch"}
    return max(baselines, key=baselines.get) if baselines else None


def _cell(value: float, metric: str) -> str:
    if value != value:  # NaN: no query of this kind (e.g. no hires in the window)
        return "–"
    return f"{value:,.0f}" if metric == "queries" else f"{value:.3f}"


def _table(side_report: dict) -> str:
    metrics = list(METRIC_LABELS)
    head = "".join(f"<th>{html.escape(METRIC_LABELS[m])}</th>" for m in metrics)
    rows = []
    for name, values in side_report["systems"].items():
        cells = "".join(f"<td>{_cell(values[m], m)}</td>" for m in metrics)
        rows.append(f"<tr><th>{html.escape(name)}</th>{cells}</tr>")
    return f"<table><tr><th>시스템</th>{head}</tr>{''.join(rows)}</table>"


def write_report(report: dict, path: str | Path, title: str = "jobmatch 평가 보고서", notes: str = "") -> Path:
    """Write the evaluation report as one HTML file (UTF-8, plots inline)."""
    _style()
    sections = []
    for side, side_report in report.items():
        parts = [f"<h2>{SIDE_TITLES.get(side, side)}</h2>", _table(side_report), _group_bars(side_report)]
        if "score_gain" in side_report and len(side_report["score_gain"]):
            parts += [_score_distribution(side_report["score_gain"]), _calibration(side_report["score_gain"])]
        sections.append("<section>" + "\n".join(parts) + "</section>")
    page = f"""<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: 4px 10px; text-align: right; }}
th:first-child {{ text-align: left; }}
svg {{ max-width: 100%; height: auto; margin: 0.5em 1em 0.5em 0; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(notes)}</p>
{"".join(sections)}
</body></html>
"""
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path
