"""Weak supervision: labeling functions, the label model, and what its labels do to the models.

Thin UI: read widgets, call `fdd`, draw. Labels come from `fdd.weak`, measurements from
`fdd.weak_eval`, charts from `fdd.charts_weak`; the cached accessors live in `ui_common`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from fdd import charts_weak as cw
from fdd.weak import LF_DESCRIPTIONS, LF_NAMES, LF_PARAMETERS, LF_POLARITY, LFConfig, WeakLabels, lf_analysis
from fdd.weak_eval import LABEL_VARIANTS, label_quality_table, vote_pattern_ceiling
from ui_common import (current_fleet, fleet_checks, keep, label_source_comparison, show_error, simulated_fleet,
                       weak_supervision)

# slider of each LFConfig threshold: label, min, max, step, format
SLIDERS: dict[str, tuple[str, float, float, float, str]] = {
    "replaced_within_minutes": ("replaced within (minutes)", 1.0, 1440.0, 1.0, "%.0f"),
    "lived_long_minutes": ("lived at least (minutes)", 0.0, 10080.0, 60.0, "%.0f"),
    "novel_min_errors": ("at least this many new-type errors", 0.0, 200.0, 1.0, "%.0f"),
    "novel_min_share_of_baseline": ("at this multiple of the usual error rate", 0.0, 5.0, 0.1, "%.1f"),
    "latency_min_ratio": ("p95 latency at least (x baseline)", 1.0, 3.0, 0.05, "%.2f"),
    "latency_min_z": ("and at least (standard errors)", 0.0, 20.0, 0.5, "%.1f"),
}
COMPARE_KEY = "ws_compare"
MAX_PICKABLE = 300  # deployments offered in the one-deployment picker
MISSING = "—"  # shown for a number that does not exist
SHARE = st.column_config.NumberColumn(format="percent")
RATIO = st.column_config.NumberColumn(format="%.3f")


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def lf_controls() -> LFConfig:
    """A toggle per labeling function and a slider per threshold; returns the configuration."""
    defaults = LFConfig()
    enabled, values = [], {}
    columns = st.columns(3)
    for i, name in enumerate(LF_NAMES):
        with columns[i % 3].container(border=True):
            on = st.toggle(f"**{name}** → {LF_POLARITY[name]}", key=keep(f"ws_on_{name}", name in defaults.enabled),
                           help=LF_DESCRIPTIONS[name])
            for param in LF_PARAMETERS.get(name, ()):
                label, low, high, step, fmt = SLIDERS[param]
                values[param] = st.slider(label, low, high, step=step, format=fmt, disabled=not on,
                                          key=keep(f"ws_{param}", float(getattr(defaults, param))))
            if on:
                enabled.append(name)
    return LFConfig(enabled=tuple(enabled), **values)


def labels_summary(labels: WeakLabels) -> None:
    """Which model produced the labels, and how many of each."""
    faulty, healthy = int((labels.label == 1).sum()), int((labels.label == 0).sum())
    unlabelled = int((~labels.covered).sum())
    if labels.model.startswith("majority_vote"):
        reason = labels.model.partition("fall-back: ")[2].rstrip(")")
        st.warning(f"The label model could not be used ({reason}); the labels below come from "
                   "**majority vote** instead.", icon="↩️")
        source = "majority vote"
    else:
        source = (f"the label model (prior P(faulty) = {labels.class_balance:.1%}, estimated without truth as the "
                  "most likely share under the label model's own assumption that the rules err independently, "
                  f"fitted in {labels.fit_seconds:.2f} s)")
    st.markdown(f"Labels from {source}: **{faulty:,} faulty**, {healthy:,} healthy, {unlabelled:,} unlabelled "
                "(every labeling function abstained).")


def lf_table(labels: WeakLabels, truth: np.ndarray | None) -> None:
    """Snorkel's LF analysis with the learned accuracies, as a table, a chart and a download."""
    st.subheader("What each labeling function does")
    analysis = lf_analysis(labels.L, labels.lf_names, truth, labels.weights)
    st.dataframe(analysis, hide_index=True, width="stretch", placeholder=MISSING, column_config={
        "lf": st.column_config.TextColumn("labeling function"),
        "rule": st.column_config.TextColumn("rule", width="large"),
        "coverage": SHARE, "overlaps": SHARE, "conflicts": SHARE,
        "empirical_accuracy": st.column_config.NumberColumn(
            "accuracy vs truth", format="percent", help=f"{MISSING}: the rule votes on no deployment."),
        "learned_accuracy": st.column_config.NumberColumn(
            "learned accuracy", format="percent",
            help="The label model's estimate from the LFs' agreements alone (no truth): it replaces hand-set "
                 f"weights. {MISSING}: the rule never fires here, or the labels come from majority vote, "
                 "which learns no accuracy."),
    })
    st.altair_chart(cw.lf_accuracy_chart(analysis), width="stretch")
    st.download_button("Download the LF analysis (CSV)", _csv(analysis), "lf_analysis.csv", "text/csv",
                       key="ws_download_lf")


def quality_section(labels: WeakLabels, majority: WeakLabels, n: int, seed: int) -> None:
    """Label model vs majority vote vs the ensemble alone, against the simulator's truth."""
    st.subheader("Label quality: label model vs majority vote vs the ensemble alone")
    quality = label_quality_table(simulated_fleet(n, seed), labels, majority, fleet_checks(n, seed)[-1])
    left, right = st.columns([1.2, 1])
    with left:
        st.dataframe(quality.assign(model=quality["model"].map(cw.labeler_words)), hide_index=True,
                     width="stretch", placeholder=MISSING, column_config={
            "precision": RATIO, "recall": RATIO, "f1": st.column_config.NumberColumn("F1", format="%.3f"),
            "coverage": SHARE, "labelled_faulty": st.column_config.NumberColumn("labelled faulty"),
            "model": st.column_config.TextColumn("how", width="medium"),
        })
        truth = simulated_fleet(n, seed).deployments["label"].to_numpy()
        ceiling = vote_pattern_ceiling(labels.L, truth)
        if np.isfinite(ceiling["f1"]):
            st.caption(f"Ceiling: the best F1 any way of turning these votes into labels could reach on this fleet "
                       f"is {ceiling['f1']:.3f} (each of the {ceiling['patterns']} vote patterns labelled by its true "
                       "share of faults, an oracle). A label model only chooses within what the rules know.")
        st.download_button("Download label quality (CSV)", _csv(quality), "label_quality.csv", "text/csv",
                           key="ws_download_quality")
        st.download_button("Download the labels (labels.csv)", _csv(labels.table()), "labels.csv", "text/csv",
                           key="ws_download_labels")
    with right:  # the histogram here, not below: under the download buttons its title was hidden at 1280 px
        st.altair_chart(cw.label_quality_chart(quality), width="stretch")
        st.altair_chart(cw.probability_histogram(labels), width="stretch")


def _pickable(labels: WeakLabels, flagged: np.ndarray) -> list[int]:
    """Positions worth a look first: where the label model and the ensemble disagree, then the rest."""
    differ = np.flatnonzero((labels.label == 1) != flagged)
    rest = np.flatnonzero((labels.label == 1) == flagged)
    return np.concatenate([differ, rest])[:MAX_PICKABLE].tolist()


def deployment_section(labels: WeakLabels, n: int, seed: int) -> None:
    """One deployment's LF votes and the probability they add up to."""
    st.subheader("One deployment: the votes and the resulting probability")
    fleet = simulated_fleet(n, seed)
    flagged = fleet_checks(n, seed)[-1].flagged
    ids = [str(i) for i in fleet.ids]
    picked = st.selectbox("Deployment (where the labels and the ensemble disagree first)",
                          [ids[i] for i in _pickable(labels, flagged)], key="ws_deployment")
    if picked is None:
        return
    row = ids.index(picked)
    st.caption(f"The 60-minute ensemble {'flagged' if flagged[row] else 'did not flag'} {picked}.")
    votes = cw.deployment_votes(labels, row)
    left, right = st.columns([2, 1])
    with left:
        st.dataframe(votes, hide_index=True, width="stretch", placeholder=MISSING, column_config={
            "learned_accuracy": st.column_config.NumberColumn(
                "learned accuracy", format="percent",
                help=f"The label model's estimate of the rule's accuracy. {MISSING}: the rule never fires here, or "
                     "the labels come from majority vote, which learns no accuracy.")})
    with right:
        p = labels.probability[row]
        st.metric("P(faulty) from the " + cw.labeler_words(labels.model).partition(" (")[0],
                  MISSING if np.isnan(p) else f"{p:.1%}")
        if np.isnan(p):
            st.caption("Every enabled labeling function abstains on this deployment: it gets no label and "
                       "weighs nothing in training.")
        deployment = fleet.deployments.iloc[row]
        if "label" in deployment.index:
            truth = "faulty" if int(deployment["label"]) else "healthy"
            scenario = f" ({deployment['scenario']})" if "scenario" in deployment.index else ""
            st.caption(f"Simulator's truth: **{truth}**{scenario}.")


def comparison_section(config: LFConfig, n: int, seed: int) -> None:
    """Sequential models trained on the ensemble's vote vs on weak labels (trains models: slow)."""
    st.subheader("Before and after: sequential models trained on each label source")
    # not drawn while no labeling function is on, nor on other pages: `keep` holds the choice meanwhile
    compare = st.toggle("Train and compare the sequential models", key=keep(COMPARE_KEY, True),
                        help="Trains the 10/20/60-minute models three times with 5-fold cross-fitting.")
    if not compare:
        st.caption("Switched off: no models are trained.")
        return
    slot = st.empty()  # the progress, replaced by the reason when training is impossible
    try:
        with slot.status("Training the sequential models on the checks' vote, on thresholded weak labels and on "
                         "probability-weighted weak labels (5-fold each)…", expanded=False) as status:
            table = label_source_comparison(n, seed, config)
            status.update(label="Sequential models trained", state="complete")
    except ValueError as error:
        slot.empty()
        healthy = ", ".join(f"`{name}`" for name, votes in LF_POLARITY.items() if "healthy" in votes)
        show_error(f"The sequential models cannot be trained on these labels: {error}. They need enough faulty "
                   f"and enough healthy deployments: switch on more labeling functions ({healthy} vote healthy) "
                   "or move their thresholds.")
        return
    st.dataframe(table.assign(labels=table["labels"].map(cw.variant_words)), hide_index=True, width="stretch",
                 placeholder=MISSING, column_config={
        "labels": st.column_config.TextColumn(
            "trained on", help="; ".join(f"{cw.variant_words(k)}: {v}" for k, v in LABEL_VARIANTS.items())),
        "training_positives": st.column_config.NumberColumn("training positives", format="%.0f"),
        "precision": RATIO, "recall": RATIO, "f1": st.column_config.NumberColumn("F1", format="%.3f"),
        **{c: st.column_config.NumberColumn(c.replace("_", " at ") + " min (of the faulty)", format="percent",
                                            help="Share of the truly faulty deployments already flagged at this "
                                                 "minute (against truth: the two models learn different labels, so "
                                                 "neither label set is a fair reference)")
           for c in table.columns if c.startswith("coverage_")},
        "time_to_detection": st.column_config.NumberColumn("time to detection (min)", format="%.1f"),
        "disagreements": st.column_config.NumberColumn(
            "disagreements", format="%.0f",
            help="Deployments where this model and the one trained on the checks' vote decide differently."),
        "disagreement_precision": st.column_config.NumberColumn("precision on disagreements", format="%.3f"),
        "disagreement_recall": st.column_config.NumberColumn("recall on disagreements", format="%.3f"),
        "ensemble_disagreement_precision": st.column_config.NumberColumn(
            "ensemble-trained precision on disagreements", format="%.3f",
            help="The model trained on the checks' vote, on the same disagreements."),
        "ensemble_disagreement_recall": st.column_config.NumberColumn(
            "ensemble-trained recall on disagreements", format="%.3f",
            help="The model trained on the checks' vote, on the same disagreements."),
    })
    st.altair_chart(cw.comparison_chart(table), width="stretch")
    st.download_button("Download the comparison (CSV)", _csv(table), "label_sources.csv", "text/csv",
                       key="ws_download_comparison")


def main() -> None:
    st.title("Weak supervision")
    st.markdown(
        "Rollbacks, quick replacements, long quiet lifetimes and the 60-minute checks each hint at "
        "whether a deployment was faulty; each hint is a **labeling function** that votes *faulty*, "
        "*healthy* or abstains. Snorkel's **label model** learns how accurate each one is from their "
        "agreements alone and turns the votes into a probability; above one half it is the training "
        "label of the sequential models. Switch rules off, move their thresholds, and watch the learned "
        "accuracies, the label quality and the retrained models change.\n\n"
        "*Coverage* is the share of deployments a rule (or a labeler) votes on; for the models, the share "
        "of truly faulty deployments already flagged at that minute. *Disagreements* are the deployments "
        "where the model trained on weak labels and the one trained on the ensemble decide differently; "
        "they are judged against the simulator's truth, as Datadog reviewed them by hand."
    )
    n, seed = current_fleet()
    with st.expander("Labeling functions and their thresholds", expanded=True):
        config = lf_controls()
    try:
        labels, majority, _ = weak_supervision(n, seed, config)
    except ValueError as error:
        show_error(error)
        return
    labels_summary(labels)
    truth = simulated_fleet(n, seed).deployments.get("label")
    truth = None if truth is None else truth.to_numpy()
    lf_table(labels, truth)
    if truth is None:
        st.info("This fleet has no ground truth: label quality cannot be measured.")
        return
    quality_section(labels, majority, n, seed)
    deployment_section(labels, n, seed)
    comparison_section(config, n, seed)


try:
    main()
except ValueError as error:  # bad parameters anywhere below: one clear message, never a traceback
    show_error(error)
