"""What the commands share: progress lines, loading a data folder, the secret key, bundles, output files."""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

from matcher import bundle
from matcher.contract import Dataset, load_folder

DEFAULT_MODEL_DIR = "models"


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_data(args: argparse.Namespace) -> Dataset:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = load_folder(args.data, skip_bad_rows=args.skip_bad_rows, rejects_dir=args.rejects_dir)
    for warning in caught:
        say(f"warning: {warning.message}")
    say(f"loaded {len(data.seekers):,} seekers, {len(data.openings):,} openings, {len(data.events):,} events")
    return data


def add_data_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, help="folder with seekers.csv, openings.csv, events.csv")
    parser.add_argument("--skip-bad-rows", action="store_true", help="skip bad rows into rejected-*.csv")
    parser.add_argument("--rejects-dir", default=None, help="where rejected-*.csv go (default: the data folder)")


def secret_settings():
    """The service's settings, for a command that uses the secret key: refused with the default outside development."""
    from service.config import InsecureSecret, get_settings

    settings = get_settings()
    try:
        settings.check_secret()
    except InsecureSecret as exc:
        raise ValueError(str(exc)) from None
    return settings


def load_bundle(args: argparse.Namespace) -> bundle.Loaded:
    """The bundle named by --model (else CURRENT of --model-dir), its signature checked with the secret key."""
    settings = secret_settings()
    signing = {"key": settings.secret_key, "require_signature": settings.signed_bundles_only}
    return bundle.load(args.model, **signing) if args.model else bundle.load_current(args.model_dir, **signing)


def metrics_table(report: dict) -> str:
    from training.audit import format_figures

    lines = []
    for side, side_report in report.items():
        lines.append(f"\n{side}-side (k=10)")
        lines.append(f"{'system':<12}{'ndcg@10':>9}{'recall@10':>11}{'mrr':>7}{'hire@10':>9}{'cover':>7}{'gini':>7}")
        for name, m in side_report["systems"].items():
            lines.append(
                f"{name:<12}{m['ndcg@10']:>9.3f}{m['recall@10']:>11.3f}{m['mrr']:>7.3f}"
                f"{m['hire_hit@10']:>9.3f}{m['coverage']:>7.3f}{m['gini']:>7.3f}"
            )
        groups = side_report["groups"].get("jobmatch", {})
        if groups:
            lines.append("  jobmatch ndcg@10 by group: " + ", ".join(f"{g} {v:.3f}" for g, v in groups.items()))
        others = [m["ndcg@10"] for name, m in side_report["systems"].items() if name != "jobmatch"]
        if others and "jobmatch" in side_report["systems"]:
            ratio = side_report["systems"]["jobmatch"]["ndcg@10"] / max(max(others), 1e-9)
            lines.append(f"  jobmatch ndcg@10 = {ratio:.2f} x the best baseline")
        stage_one = side_report.get("stage_one", {})
        if stage_one:
            line = f"  stage one kept {stage_one['truth']:.1%} of the truth for the ranker"
            if "ease_top_truth" in stage_one:
                line += f" ({stage_one['ease_top_truth']:.1%} of what EASE put in its top 10)"
            if "ease_first" in stage_one:
                line += f"; it kept EASE's first candidate for {stage_one['ease_first']:.1%} of the queries"
            lines.append(line)
        if "day" in side_report:
            ndcg = {"all": side_report["systems"]["jobmatch"]["ndcg@10"], **groups}
            fit, market = side_report["day"]["fit"], side_report["day"]["market"]
            lines.append("\n" + format_figures(fit, market, ndcg))
    return "\n".join(lines)


def public_report(report: dict) -> dict:
    """The report without per-query arrays, for JSON and manifests."""
    hidden = ("ndcg_per_query", "score_gain")
    return {side: {k: v for k, v in r.items() if k not in hidden} for side, r in report.items()}


def output_file(path: str | Path) -> Path:
    """An output file's path, checked before any work: its folder must exist and be writable."""
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"the folder of --out does not exist: {folder} (create it first)")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise PermissionError(f"cannot write {path}: no permission")
    return path
