"""Datadog's reported figures: the published reference the app shows beside its own measurements.

Nothing here is measured by fdd. These are the figures Datadog reported in its engineering blog
post on Automatic Faulty Deployment Detection (David Asker and Sebastien Levy, "Detecting faulty
deployments: our journey from unlabeled data to supervised learning",
https://www.datadoghq.com/blog/engineering/detecting-faulty-deployments/), as summarised
publicly. They come from Datadog's production fleet and a manual review of disagreements; the
app measures the same quantities on a simulated fleet against its ground truth, so the two are
comparable in kind, never in value.

The one figure cited rather than reported by Datadog, the share of outages that follow a change
(`CHANGE_OUTAGE_SHARE`), lives here too, with its source: the overview page formats it from here.

"before" is the sequential models trained on the 60-minute check ensemble's verdicts, "after"
the same models trained on weak-supervision labels; time to detection is the sequential cascade's
mean detection time as a multiple of the 60-minute wait of the checks (lower is faster).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["CHANGE_OUTAGE_SHARE", "CHANGE_OUTAGE_SOURCE", "DATADOG_REPORTED_FIGURES", "DATADOG_REPORTED_SOURCE",
           "DATADOG_REPORTED_URL", "ReportedFigure", "pair_text", "reported_figures_frame", "reported_text"]

DATADOG_REPORTED_SOURCE = ("Datadog engineering blog, \"Detecting faulty deployments: our journey from unlabeled "
                           "data to supervised learning\" (D. Asker, S. Levy), as summarised publicly")
DATADOG_REPORTED_URL = "https://www.datadoghq.com/blog/engineering/detecting-faulty-deployments/"

# Cited, not measured: the share of outages due to changes in a live system, as Datadog's blog cites it.
CHANGE_OUTAGE_SHARE = 0.70
CHANGE_OUTAGE_SOURCE = "Google's Site Reliability Engineering book, O'Reilly 2016, chapter 1"


@dataclass(frozen=True)
class ReportedFigure:
    """One figure Datadog reported: its value before and after weak supervision (None: not reported)."""

    key: str  # matches a column of fdd.evaluation.stage_table
    figure: str
    before: float | None
    after: float | None
    unit: str  # "share" (0..1) or "multiple" (of 60 minutes)


# The ONE place these Datadog-reported reference numbers live (blog figures, not measured here).
DATADOG_REPORTED_FIGURES: tuple[ReportedFigure, ...] = (
    ReportedFigure("coverage_10", "coverage at 10 minutes", 0.215, 0.247, "share"),  # Datadog reported (blog)
    ReportedFigure("coverage_20", "coverage at 20 minutes", 0.259, 0.371, "share"),  # Datadog reported (blog)
    ReportedFigure("precision_disagreements", "precision on disagreements", 0.67, 0.78, "share"),  # Datadog reported
    ReportedFigure("recall_disagreements", "recall on disagreements", 0.54, 0.85, "share"),  # Datadog reported
    ReportedFigure("ttd_multiple", "time to detection (x 60 min)", None, 0.55, "multiple"),  # Datadog reported
)


def _show(value: float | None, unit: str) -> str:
    if value is None or value != value:  # None or NaN: not reported / not measured
        return ""
    return f"{value:.1%}".replace(".0%", "%") if unit == "share" else f"{value:.2f}x"


def pair_text(before: float | None, after: float | None, unit: str) -> str:
    """"before → after" (shares as percentages, multiples as "0.50x"); "—" for a missing side."""
    shown_before, shown_after = _show(before, unit), _show(after, unit)
    if not shown_before and not shown_after:
        return "—"
    return f"{shown_before or '—'} → {shown_after or '—'}"


def reported_text(figure: ReportedFigure) -> str:
    """A reported figure as the blog states it: "before → after", or the one value it gives."""
    if figure.before is None or figure.after is None:
        return _show(figure.after if figure.before is None else figure.before, figure.unit) or "—"
    return pair_text(figure.before, figure.after, figure.unit)


def reported_figures_frame() -> pd.DataFrame:
    """Datadog's reported figures as a table (reference, not measured here).

    Columns: key, figure, datadog_before, datadog_after, unit, reported (the figure as text).
    """
    return pd.DataFrame(
        [(f.key, f.figure, f.before, f.after, f.unit, reported_text(f)) for f in DATADOG_REPORTED_FIGURES],
        columns=["key", "figure", "datadog_before", "datadog_after", "unit", "reported"],
    ).astype({"datadog_before": "float64", "datadog_after": "float64"})
