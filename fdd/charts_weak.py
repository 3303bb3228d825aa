"""Charts and tables of weak supervision: data in, `alt.Chart` or `DataFrame` out.

Used by the app's "Weak supervision" page and testable without Streamlit: the labeling
functions' coverage and accuracies (`lf_accuracy_chart`), the label quality of the labelers
(`label_quality_chart`), one deployment's votes (`deployment_votes`) and the models trained on
each label source side by side (`comparison_long`, `comparison_chart`). Every chart has tooltips.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from fdd.weak import ABSTAIN, FAULTY, LABEL_MODEL, LF_POLARITY, MAJORITY_VOTE, WeakLabels

VOTE_NAMES = {FAULTY: "faulty", 0: "healthy", ABSTAIN: "abstains"}
LF_MEASURES = {"coverage": "coverage", "empirical_accuracy": "accuracy vs truth",
               "learned_accuracy": "learned accuracy (label model)"}
QUALITY_MEASURES = ("precision", "recall", "f1", "coverage")
COMPARISON_MEASURES = {"precision": "precision", "recall": "recall", "coverage_10": "coverage at 10 min",
                       "coverage_20": "coverage at 20 min"}
# `compare_label_sources`'s label sources (fdd.weak_eval.LABEL_VARIANTS) in short words
VARIANT_WORDS = {"ensemble": "the checks' vote (ensemble)", "weak_thresholded": "weak labels (thresholded)",
                 "weak_weighted": "weak labels (probability-weighted)"}
VARIANT_TAGS = {"weak_thresholded": "thresholded", "weak_weighted": "weighted"}


def labeler_words(model: str) -> str:
    """A `WeakLabels.model` name in words: "label model", "majority vote (fall-back: …)"."""
    for name in (LABEL_MODEL, MAJORITY_VOTE):
        if model.startswith(name):
            return name.replace("_", " ") + model[len(name):]
    return model


def _long(frame: pd.DataFrame, id_column: str, measures: dict[str, str] | tuple[str, ...]) -> pd.DataFrame:
    """Melt the present `measures` columns of `frame` into (id, measure, value)."""
    names = dict(measures) if isinstance(measures, dict) else {m: m for m in measures}
    present = [m for m in names if m in frame.columns]
    out = frame.melt(id_vars=[id_column], value_vars=present, var_name="measure", value_name="value")
    out["measure"] = out["measure"].map(names)
    return out.dropna(subset=["value"])


def lf_accuracy_chart(analysis: pd.DataFrame) -> alt.Chart:
    """Grouped bars per labeling function: coverage, accuracy vs truth, learned accuracy."""
    data = _long(analysis, "lf", LF_MEASURES)
    return (
        alt.Chart(data, title="Labeling functions: how often they vote and how often they are right")
        .mark_bar()
        .encode(
            y=alt.Y("lf:N", title=None, sort=list(analysis["lf"])),
            x=alt.X("value:Q", title=None, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            yOffset=alt.YOffset("measure:N", sort=list(LF_MEASURES.values())),
            color=alt.Color("measure:N", title=None, sort=list(LF_MEASURES.values()),
                            legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("lf:N", title="labeling function"), alt.Tooltip("measure:N"),
                     alt.Tooltip("value:Q", format=".1%")],
        )
        .properties(height=alt.Step(9))
    )


def label_quality_chart(quality: pd.DataFrame) -> alt.Chart:
    """Grouped bars: precision, recall, F1 and coverage of each labeler against truth."""
    data = _long(quality, "labeler", QUALITY_MEASURES)
    return (
        alt.Chart(data, title="Training labels against the simulator's truth")
        .mark_bar()
        .encode(
            x=alt.X("measure:N", title=None, sort=list(QUALITY_MEASURES), axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("labeler:N", sort=list(quality["labeler"])),
            y=alt.Y("value:Q", title=None, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=alt.Color("labeler:N", title=None, sort=list(quality["labeler"]),
                            legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("labeler:N"), alt.Tooltip("measure:N"), alt.Tooltip("value:Q", format=".3f")],
        )
        .properties(height=260)
    )


def deployment_votes(labels: WeakLabels, row: int) -> pd.DataFrame:
    """One deployment's vote from every enabled labeling function, with its learned accuracy."""
    if not 0 <= row < len(labels.label):
        raise ValueError(f"deployment position {row} is outside the fleet (0..{len(labels.label) - 1})")
    votes = labels.L[row]
    weights = labels.weights if labels.weights is not None else np.full(len(votes), np.nan)
    return pd.DataFrame({
        "lf": list(labels.lf_names),
        "vote": [VOTE_NAMES[int(v)] for v in votes],
        "votes for": [LF_POLARITY.get(name, "") for name in labels.lf_names],
        "learned_accuracy": weights,
    })


def variant_words(name: str) -> str:
    """A label source of `compare_label_sources` in words ("weak labels (thresholded)")."""
    return VARIANT_WORDS.get(name, name.replace("_", " "))


def comparison_long(comparison: pd.DataFrame) -> pd.DataFrame:
    """`compare_label_sources`'s table as (labels, measure, value), label sources in words.

    Recall on disagreements is one pair of bars per weak-label source: that model and the
    ensemble-trained one, on the deployments where the two decide differently.
    """
    out = _long(comparison.assign(labels=comparison["labels"].map(variant_words)), "labels", COMPARISON_MEASURES)
    pairs = []
    for _, row in comparison.iterrows():
        if "disagreement_recall" not in row.index or row["labels"] == "ensemble":
            continue
        measure = f"recall on disagreements ({VARIANT_TAGS.get(row['labels'], variant_words(row['labels']))})"
        pairs.append({"labels": variant_words(row["labels"]), "measure": measure, "value": row["disagreement_recall"]})
        pairs.append({"labels": variant_words("ensemble"), "measure": measure,
                      "value": row.get("ensemble_disagreement_recall", np.nan)})
    out = pd.concat([out, pd.DataFrame(pairs, columns=["labels", "measure", "value"])], ignore_index=True)
    return out.dropna(subset=["value"]).reset_index(drop=True)


def comparison_chart(comparison: pd.DataFrame) -> alt.Chart:
    """Grouped bars: models trained on each label source, judged against truth."""
    data = comparison_long(comparison)
    order = list(dict.fromkeys([*COMPARISON_MEASURES.values(), *data["measure"]]))
    sources = [variant_words(name) for name in comparison["labels"]]
    return (
        alt.Chart(data, title="Sequential models by training labels (out-of-fold, against truth)")
        .mark_bar()
        .encode(
            x=alt.X("measure:N", title=None, sort=order, axis=alt.Axis(labelAngle=0, labelLimit=160)),
            xOffset=alt.XOffset("labels:N", sort=sources),
            y=alt.Y("value:Q", title=None, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=alt.Color("labels:N", title="trained on", sort=sources,
                            legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("labels:N", title="trained on"), alt.Tooltip("measure:N"),
                     alt.Tooltip("value:Q", format=".3f")],
        )
        .properties(height=280)
    )


def _log_ticks(top: int) -> list[int]:
    """0 and the powers of ten up to `top` (a symlog axis otherwise shows only its two ends)."""
    ticks, power = [0], 1
    while power <= max(top, 1):
        ticks.append(power)
        power *= 10
    return ticks


def probability_histogram(labels: WeakLabels, bins: int = 20) -> alt.Chart:
    """How confident the labels are: the distribution of P(faulty) over labelled deployments."""
    p = labels.probability[np.isfinite(labels.probability)]
    counts, edges = np.histogram(p, bins=bins, range=(0.0, 1.0))
    data = pd.DataFrame({"from": edges[:-1], "to": edges[1:], "deployments": counts})
    return (
        alt.Chart(data, title="P(faulty) of the labelled deployments")
        .mark_bar()
        .encode(
            x=alt.X("from:Q", bin="binned", title="P(faulty)", axis=alt.Axis(format="%")),
            x2="to:Q",
            y=alt.Y("deployments:Q", scale=alt.Scale(type="symlog"), title="deployments (log scale)",
                    axis=alt.Axis(values=_log_ticks(int(counts.max(initial=0))), format=",d")),
            tooltip=[alt.Tooltip("from:Q", format=".0%"), alt.Tooltip("to:Q", format=".0%"),
                     alt.Tooltip("deployments:Q")],
        )
        .properties(height=280)  # a lower plot than its y title pushed the chart title out of view
    )
