"""Weak supervision: labeling functions, the label matrix, and the label model that turns them
into training labels for the sequential models (Datadog's third step).

A labeling function (LF) is a tiny named rule that votes FAULTY (1), HEALTHY (0) or abstains
(-1) on one deployment. LFs read only the after-the-fact weak signals of the deployments table
(`rolled_back`, `lifetime_minutes`, `incident`, `deployed_at`) and the statistics of the
60-minute checks (`lf_inputs`); never ground truth or the simulator's scenario.

Every rule is written once, with numpy, so that the same code labels one row (a snorkel
`@labeling_function`, run by `PandasLFApplier` on small data and in tests) and the whole fleet at
once (`label_matrix`, which is what production uses: snorkel applies LFs row by row in Python).

Snorkel's `LabelModel` learns each LF's accuracy from their agreements and disagreements alone
and combines the votes into a probability of "faulty". torch is imported only inside the
function that fits it, so `import fdd.weak` stays light.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd
from snorkel.labeling import LabelingFunction, LFAnalysis, PandasLFApplier, labeling_function

from fdd.checks import HorizonVerdict, run_checks
from fdd.fleet import Fleet
from fdd.metrics import label_values
from fdd.schema import write_table

if TYPE_CHECKING:  # torch comes with the label model: imported when one is fitted, not at module load
    from snorkel.labeling.model import LabelModel

ABSTAIN, HEALTHY, FAULTY = -1, 0, 1
CHECK_HORIZON = 60  # the checks' verdict the LFs read: the full hour, as in the blog
LABEL_MODEL = "label_model"
MAJORITY_VOTE = "majority_vote"
# The rules, in display order (each is a function of the same name below).
LF_NAMES: tuple[str, ...] = (
    "rolled_back",
    "replaced_quickly",
    "lived_long_no_rollback",
    "incident_while_live",
    "new_error_signatures",
    "check_ensemble",
    "latency_regression",
    "persistent_error_rise",
    "rise_explained_elsewhere",
)
# Two rules are off by default, both for the label model's assumption that LFs are independent
# given the class (measured on tuning fleets, seeds 1-5, never on the benchmark's):
# * incident_while_live: an incident is as often an outage hitting several services (with panic
#   rollbacks) as a faulty deployment (accuracy ~0.25); firing together with `rolled_back`, it is
#   credited with ~0.45. Turn it on where incidents are declared per deployment.
# * latency_regression: the impact check inside `check_ensemble` already tests p95 latency with
#   the same statistic, so the rule double-counts it (label precision 0.53 with it, 0.64 without).
OFF_BY_DEFAULT: tuple[str, ...] = ("incident_while_live", "latency_regression")
DEFAULT_ENABLED: tuple[str, ...] = tuple(name for name in LF_NAMES if name not in OFF_BY_DEFAULT)


# ---------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class LFConfig:
    """Which labeling functions vote, and their thresholds (the app's toggles and sliders).

    Defaults are round, domain-motivated values (a day, a 25 % latency regression, new error
    types at the rate of the service's usual errors), not values fitted to one fleet.
    """

    enabled: tuple[str, ...] = DEFAULT_ENABLED
    replaced_within_minutes: float = 30.0  # replaced (not rolled back) this soon -> faulty
    lived_long_minutes: float = 1440.0  # lived at least a day, never rolled back -> healthy
    novel_min_errors: float = 10.0  # new error signatures: at least this many errors ...
    novel_min_share_of_baseline: float = 1.0  # ... at this multiple of the baseline error rate
    latency_min_ratio: float = 1.25  # p95 latency regression: at least +25 % ...
    latency_min_z: float = 4.0  # ... and this many standard errors

    def __post_init__(self) -> None:
        object.__setattr__(self, "enabled", tuple(self.enabled))
        unknown = set(self.enabled) - set(LF_NAMES)
        if unknown:
            raise ValueError(f"unknown labeling functions: {sorted(unknown)}; choose from {list(LF_NAMES)}")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "enabled" and not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{f.name} must be a finite number >= 0, got {value!r}")

    @property
    def active(self) -> tuple[str, ...]:
        """Enabled LF names in the canonical order of LF_NAMES."""
        return tuple(name for name in LF_NAMES if name in set(self.enabled))

    def with_changes(self, **changes: object) -> LFConfig:
        """A copy with some fields changed (the app's toggles and sliders)."""
        return replace(self, **changes)


# ---------------------------------------------------------------------------- LF inputs


WEAK_SIGNAL_COLUMNS = ("rolled_back", "lifetime_minutes", "incident")


def _weak_signals(deployments: pd.DataFrame) -> dict[str, np.ndarray]:
    """The deployments table's weak-signal columns as float arrays (NaN where unknown or absent)."""
    out: dict[str, np.ndarray] = {}
    for name in WEAK_SIGNAL_COLUMNS:
        if name in deployments.columns:
            out[name] = pd.to_numeric(deployments[name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            out[name] = np.full(len(deployments), np.nan)
    return out


def _minutes_live_at_least(deployments: pd.DataFrame, lifetime: np.ndarray) -> np.ndarray:
    """How long each deployment is known to have stayed: its lifetime once replaced; while still
    live, the time until the latest deployment in the table (a lower bound). NaN if unknown."""
    if "deployed_at" not in deployments.columns or not len(deployments):
        return lifetime.copy()
    stamps = pd.to_datetime(deployments["deployed_at"], format="ISO8601", utc=True, errors="coerce")
    age = (stamps.max() - stamps).dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan) / 60.0
    return np.where(np.isnan(lifetime), age, lifetime)


def _check_statistics(verdict: HorizonVerdict) -> dict[str, np.ndarray]:
    """The few check outputs LFs read, as float arrays."""
    r = verdict.results
    impact, novelty, temporal = r["impact"].stats, r["novelty"].stats, r["temporal"].stats
    return {
        "sufficient": r["sufficiency"].passed.astype(np.float64),
        "ensemble_flagged": verdict.flagged.astype(np.float64),
        "error_ratio": impact["error_ratio"],
        # the hour's error rate as a whole (tested at alpha / 2 beside the latest half, so slightly
        # stricter than alone): a rise found only in the latest half stays the checks' call
        "error_flag": impact["error_flag"] * (1.0 - impact["late_only"]),
        "persistent_error": np.asarray(r["persistence"].stats["error_ok"], dtype=np.float64),
        "base_error_rate": impact["base_error_rate"],
        "latency_ratio": impact["latency_ratio"],
        "latency_z": impact["latency_z"],
        "novel_errors": novelty["novel_errors"],
        "novel_rate": novelty["novel_rate"],
        "rise_elsewhere": np.maximum.reduce([temporal["pre_rise"], temporal["previous_rise"], temporal["load_surge"]]),
    }


def lf_inputs(fleet: Fleet, verdict: HorizonVerdict | None = None) -> pd.DataFrame:
    """One row per deployment: the weak signals and the 60-minute check statistics LFs read.

    `verdict` is `run_checks(fleet, 60)`; computed here when not given. Ground truth and the
    simulator's columns are deliberately not copied.
    """
    verdict = verdict if verdict is not None else run_checks(fleet, CHECK_HORIZON)
    if len(verdict.flagged) != fleet.n:
        raise ValueError(f"the checks cover {len(verdict.flagged)} deployments, the fleet {fleet.n}")
    signals = _weak_signals(fleet.deployments)
    columns: dict[str, object] = {"deployment_id": fleet.ids.astype(str), **signals}
    columns["lived_minutes"] = _minutes_live_at_least(fleet.deployments, signals["lifetime_minutes"])
    columns.update(_check_statistics(verdict))
    return pd.DataFrame(columns)


# ---------------------------------------------------------------------------- the rules
# Each rule reads a row (pd.Series) or a whole frame (pd.DataFrame) with the same numpy code and
# returns votes. Comparisons with NaN are False, so an unknown signal abstains.

Rows = pd.Series | pd.DataFrame  # one deployment, or the whole fleet
Rule = Callable[[Rows, LFConfig], np.ndarray]


def _vote(condition: object, label: int) -> np.ndarray:
    return np.where(np.asarray(condition, dtype=bool), label, ABSTAIN)


def rolled_back(x: Rows, c: LFConfig) -> np.ndarray:
    """The new version was rolled back: someone judged it broken."""
    return _vote(x.rolled_back == 1, FAULTY)


def replaced_quickly(x: Rows, c: LFConfig) -> np.ndarray:
    """Replaced (without a rollback) within `replaced_within_minutes`: a hotfix."""
    return _vote((x.lifetime_minutes < c.replaced_within_minutes) & (x.rolled_back == 0), FAULTY)


def lived_long_no_rollback(x: Rows, c: LFConfig) -> np.ndarray:
    """Stayed at least `lived_long_minutes` and was never rolled back: nobody saw a problem."""
    return _vote((x.lived_minutes >= c.lived_long_minutes) & (x.rolled_back == 0), HEALTHY)


def incident_while_live(x: Rows, c: LFConfig) -> np.ndarray:
    """An incident was declared for the service while the new version was live."""
    return _vote(x.incident == 1, FAULTY)


def new_error_signatures(x: Rows, c: LFConfig) -> np.ndarray:
    """Errors of never-seen types, many and at least `novel_min_share_of_baseline` x the usual error rate."""
    meaningful = (x.novel_errors >= c.novel_min_errors) & (
        x.novel_rate >= c.novel_min_share_of_baseline * x.base_error_rate)
    return _vote(meaningful, FAULTY)


def check_ensemble(x: Rows, c: LFConfig) -> np.ndarray:
    """The unanimous vote of the 60-minute checks: faulty if flagged, healthy if judged and not flagged."""
    flagged = np.asarray(x.ensemble_flagged == 1)
    judged = np.asarray(x.sufficient == 1)
    return np.where(flagged, FAULTY, np.where(judged, HEALTHY, ABSTAIN))


def latency_regression(x: Rows, c: LFConfig) -> np.ndarray:
    """p95 latency at least `latency_min_ratio` x the baseline, `latency_min_z` standard errors out."""
    return _vote((x.latency_ratio >= c.latency_min_ratio) & (x.latency_z >= c.latency_min_z), FAULTY)


def persistent_error_rise(x: Rows, c: LFConfig) -> np.ndarray:
    """The error rate rose significantly and the persistence check finds the rise lasting, not a blip."""
    return _vote((x.error_flag == 1) & (x.persistent_error == 1), FAULTY)


def rise_explained_elsewhere(x: Rows, c: LFConfig) -> np.ndarray:
    """Errors rose before the rollout, on the previous version too, or with a surge of the service's
    traffic: not this deployment's fault."""
    return _vote(x.rise_elsewhere == 1, HEALTHY)


RULES: dict[str, Rule] = {name: globals()[name] for name in LF_NAMES}
# What each rule says, for tables and the app.
LF_DESCRIPTIONS: dict[str, str] = {name: (rule.__doc__ or "").strip() for name, rule in RULES.items()}
# The LFConfig thresholds each rule reads (the app draws a slider for each).
LF_PARAMETERS: dict[str, tuple[str, ...]] = {
    "replaced_quickly": ("replaced_within_minutes",),
    "lived_long_no_rollback": ("lived_long_minutes",),
    "new_error_signatures": ("novel_min_errors", "novel_min_share_of_baseline"),
    "latency_regression": ("latency_min_ratio", "latency_min_z"),
}
LF_POLARITY: dict[str, str] = {
    "rolled_back": "faulty", "replaced_quickly": "faulty", "lived_long_no_rollback": "healthy",
    "incident_while_live": "faulty", "new_error_signatures": "faulty", "check_ensemble": "faulty / healthy",
    "latency_regression": "faulty", "persistent_error_rise": "faulty", "rise_explained_elsewhere": "healthy",
}


def make_lfs(config: LFConfig | None = None) -> list[LabelingFunction]:
    """The enabled rules as snorkel labeling functions (thresholds bound from `config`)."""
    config = config or LFConfig()

    def wrap(name: str) -> LabelingFunction:
        rule = RULES[name]

        def lf(x: pd.Series, config: LFConfig) -> int:
            return int(rule(x, config))

        return labeling_function(name=name, resources={"config": config})(lf)

    return [wrap(name) for name in config.active]


def label_matrix(inputs: pd.DataFrame, config: LFConfig | None = None) -> np.ndarray:
    """The (n, m) label matrix of the enabled LFs, vectorised: same values as `apply_lfs`."""
    config = config or LFConfig()
    if not config.active:
        return np.empty((len(inputs), 0), dtype=np.int64)
    return np.column_stack([np.broadcast_to(RULES[name](inputs, config), len(inputs)).astype(np.int64)
                            for name in config.active])


def apply_lfs(inputs: pd.DataFrame, config: LFConfig | None = None) -> np.ndarray:
    """The label matrix through snorkel's `PandasLFApplier` (row by row: for small data and tests)."""
    lfs = make_lfs(config)
    if not lfs:
        return np.empty((len(inputs), 0), dtype=np.int64)
    return PandasLFApplier(lfs).apply(inputs, progress_bar=False).astype(np.int64)


# ---------------------------------------------------------------------------- analysis


def lf_analysis(L: np.ndarray, names: tuple[str, ...] | list[str], truth: np.ndarray | None = None,
                weights: np.ndarray | None = None) -> pd.DataFrame:
    """Snorkel's `LFAnalysis` summary: polarity, coverage, overlaps, conflicts; with `truth`, the
    empirical accuracy (over the deployments whose truth is known: NaN or NA is unknown, never
    faulty); with `weights`, the label model's learned accuracy per LF."""
    names = list(names)
    if L.shape[1] != len(names):
        raise ValueError(f"the label matrix has {L.shape[1]} columns for {len(names)} names")
    if L.shape[1] == 0:
        return pd.DataFrame(columns=["lf", "rule", "polarity", "coverage", "overlaps", "conflicts"])
    with warnings.catch_warnings():  # scipy's diags dtype FutureWarning inside snorkel
        warnings.simplefilter("ignore", FutureWarning)
        analysis = LFAnalysis(L)
        frame = pd.DataFrame({
            "lf": names,
            "rule": [LF_DESCRIPTIONS.get(n, "") for n in names],
            "polarity": [", ".join("faulty" if v == FAULTY else "healthy" for v in p) or "never fires"
                         for p in analysis.lf_polarities()],
            "coverage": analysis.lf_coverages(),
            "overlaps": analysis.lf_overlaps(),
            "conflicts": analysis.lf_conflicts(),
        })
        if truth is not None:
            y = label_values(truth)
            if len(y) != L.shape[0]:
                raise ValueError(f"the truth has {len(y)} values for {L.shape[0]} deployments")
            fired = (L != ABSTAIN) & ~np.isnan(y)[:, None]
            frame["correct"] = ((L == y[:, None]) & fired).sum(axis=0)
            frame["incorrect"] = ((L != y[:, None]) & fired).sum(axis=0)
            total = frame["correct"] + frame["incorrect"]
            frame["empirical_accuracy"] = np.where(total > 0, frame["correct"] / total.where(total > 0, 1), np.nan)
    if weights is not None:
        frame["learned_accuracy"] = np.asarray(weights, dtype=np.float64)
    return frame


# ---------------------------------------------------------------------------- label models


@dataclass(frozen=True)
class WeakLabels:
    """Training labels from weak supervision, one entry per deployment."""

    deployment_id: np.ndarray  # (n,) str
    probability: np.ndarray  # (n,) P(faulty); NaN where every LF abstains
    label: np.ndarray  # (n,) 0 / 1; -1 where every LF abstains
    model: str  # "label_model" or "majority_vote (fall-back: <reason>)"
    L: np.ndarray = field(repr=False)  # (n, m) label matrix
    lf_names: tuple[str, ...] = ()
    weights: np.ndarray | None = None  # (m,) learned accuracies (NaN for LFs that never fire)
    class_balance: float = float("nan")  # prior P(faulty) the label model used
    fit_seconds: float = float("nan")

    @property
    def covered(self) -> np.ndarray:
        """Deployments on which at least one LF voted."""
        return self.label != ABSTAIN

    def table(self) -> pd.DataFrame:
        """`deployment_id, probability, label` (nullable) as written to labels.csv."""
        return pd.DataFrame({
            "deployment_id": self.deployment_id,
            "probability": self.probability,
            "label": pd.Series(self.label, dtype="Int64").where(self.covered, pd.NA),
        })


def _majority_vote_proba(L: np.ndarray) -> np.ndarray:
    """P(faulty) of snorkel's `MajorityLabelVoter` (ties 0.5); NaN where every LF abstains."""
    from snorkel.labeling.model import MajorityLabelVoter  # the package imports torch

    proba = MajorityLabelVoter(cardinality=2).predict_proba(L)[:, 1]
    return np.where((L != ABSTAIN).any(axis=1), proba, np.nan)


def _majority_share(L: np.ndarray) -> float:
    """The faulty share of the majority vote's decided rows (0.5 when it decides none)."""
    proba = _majority_vote_proba(L)
    decided = np.isfinite(proba) & (proba != 0.5)
    return float((proba[decided] > 0.5).mean()) if decided.any() else 0.5


PRIOR_EM_ITERATIONS = 20_000  # EM creeps where the rules are weak: run it to convergence (a few ms each)
PRIOR_EM_TOLERANCE = 1e-9
PRIOR_SMOOTHING = 0.5  # pseudo-votes per LF, vote value and class: no conditional probability is 0


def dawid_skene(L: np.ndarray) -> tuple[float, np.ndarray]:
    """Dawid and Skene's model fitted by EM: the prior P(faulty) and P(faulty | votes) per row.

    The same model the label model assumes (LFs independent given the class), with the prior and
    each LF's vote probabilities per class free, run to convergence over the distinct vote
    patterns of L (a few dozen rows, so it is instant), starting from the majority vote. The
    prior is unclipped. (0.5, all 0.5) when no LF ever votes.
    """
    L = np.asarray(L)
    if L.ndim != 2 or L.shape[1] == 0 or not (L != ABSTAIN).any():
        return 0.5, np.full(L.shape[0] if L.ndim == 2 else 0, 0.5)
    patterns, row_pattern, counts = np.unique(L, axis=0, return_inverse=True, return_counts=True)
    onehot = (patterns[:, :, None] == np.array([ABSTAIN, HEALTHY, FAULTY])).astype(np.float64)  # (P, m, 3)
    faulty_votes, healthy_votes = (patterns == FAULTY).sum(axis=1), (patterns == HEALTHY).sum(axis=1)
    posterior = np.where(faulty_votes > healthy_votes, 0.9, np.where(faulty_votes < healthy_votes, 0.1, 0.5))
    prior = _majority_share(L)
    for _ in range(PRIOR_EM_ITERATIONS):
        weights = counts * posterior, counts * (1.0 - posterior)
        log_given = []
        for w in weights:  # M step: vote probabilities per LF given the class
            table = np.einsum("p,pmv->mv", w, onehot) + PRIOR_SMOOTHING
            log_given.append(np.einsum("pmv,mv->p", onehot, np.log(table / table.sum(axis=1, keepdims=True))))
        new_prior = float(np.clip(weights[0].sum() / counts.sum(), 1e-6, 1 - 1e-6))
        # E step: P(faulty | votes) per pattern
        logit = np.log(new_prior) - np.log1p(-new_prior) + log_given[0] - log_given[1]
        posterior = 1.0 / (1.0 + np.exp(-np.clip(logit, -500, 500)))
        converged = abs(new_prior - prior) < PRIOR_EM_TOLERANCE
        prior = new_prior
        if converged:
            break
    return float(prior), posterior[np.asarray(row_pattern).ravel()]


def estimate_class_balance(L: np.ndarray) -> float:
    """Prior P(faulty) without truth: the maximum-likelihood share of Dawid and Skene's model.

    The label model needs the prior and cannot learn it (snorkel fixes it before fitting). The
    faulty share of the majority vote is biased low wherever many faults are seen by one healthy
    vote only (measured: 0.056 for a true 0.104 on the other generator, and label recall fell to
    0.23). Instead, EM fits the same model the label model assumes (`dawid_skene`). Clipped to
    [0.01, 0.5]: a fleet where most deployments fail is not one to learn from, and a zero prior
    would forbid the class.
    """
    return float(np.clip(dawid_skene(L)[0], 0.01, 0.5))


def _cannot_fit_reason(L: np.ndarray) -> str | None:
    """Why the label model cannot be fitted on L, or None when it can."""
    firing = (L != ABSTAIN).any(axis=0)
    if firing.sum() < 3:
        return f"only {int(firing.sum())} labeling function(s) fire; the label model needs at least 3"
    votes = set(np.unique(L[L != ABSTAIN]).tolist())
    if len(votes) < 2:
        only = "faulty" if FAULTY in votes else "healthy"
        return f"every vote says {only}; the label model cannot learn accuracies from one class"
    return None


def fit_label_model(L: np.ndarray, seed: int = 0, class_balance: float | None = None,
                    n_epochs: int = 500, lr: float = 0.01) -> LabelModel:
    """Fit snorkel's `LabelModel` (cardinality 2) on L; torch is imported here, not at module load."""
    from snorkel.labeling.model import LabelModel

    prior = estimate_class_balance(L) if class_balance is None else float(class_balance)
    model = LabelModel(cardinality=2, verbose=False)
    model.fit(L, class_balance=[1.0 - prior, prior], n_epochs=n_epochs, lr=lr, seed=seed,
              progress_bar=False)
    return model


def _label_model_proba(L: np.ndarray, seed: int, class_balance: float | None
                       ) -> tuple[np.ndarray, np.ndarray, float]:
    """P(faulty) and learned accuracies from the label model, fitted on the LFs that fire."""
    firing = (L != ABSTAIN).any(axis=0)
    prior = estimate_class_balance(L) if class_balance is None else float(class_balance)
    model = fit_label_model(L[:, firing], seed=seed, class_balance=prior)
    proba = model.predict_proba(L[:, firing])[:, 1]
    weights = np.full(L.shape[1], np.nan)
    weights[firing] = model.get_weights()
    if not np.isfinite(proba).all():
        raise FloatingPointError("the label model returned non-finite probabilities")
    return proba, weights, prior


def combine_votes(L: np.ndarray, lf_names: tuple[str, ...], ids: np.ndarray, seed: int = 0,
                  method: str = LABEL_MODEL, class_balance: float | None = None) -> WeakLabels:
    """Turn a label matrix into labels: the label model, or majority vote when asked or when the
    label model cannot be fitted (the reason is kept in `WeakLabels.model`)."""
    if L.shape[1] == 0 or not (L != ABSTAIN).any():
        raise ValueError("every labeling function abstains on every deployment: enable more labeling "
                         "functions or loosen their thresholds; there is nothing to learn labels from")
    covered = (L != ABSTAIN).any(axis=1)
    start = time.perf_counter()
    weights, prior, model_name = None, float("nan"), MAJORITY_VOTE
    reason = _cannot_fit_reason(L) if method == LABEL_MODEL else None
    if method == LABEL_MODEL and reason is None:
        try:
            proba, weights, prior = _label_model_proba(L, seed, class_balance)
            model_name = LABEL_MODEL
        except Exception as exc:  # noqa: BLE001 - any failure of the fit falls back visibly
            reason = f"the label model failed to fit ({type(exc).__name__}: {exc})"
    if model_name == MAJORITY_VOTE:
        proba = _majority_vote_proba(L)
        if reason:
            model_name = f"{MAJORITY_VOTE} (fall-back: {reason})"
    elapsed = time.perf_counter() - start
    proba = np.where(covered, proba, np.nan)
    label = np.where(covered, (proba > 0.5).astype(np.int64), ABSTAIN)
    return WeakLabels(np.asarray(ids).astype(str), proba, label, model_name, L, tuple(lf_names), weights,
                      prior, elapsed)


def weak_labels(fleet: Fleet, config: LFConfig | None = None, *, seed: int = 0,
                verdict: HorizonVerdict | None = None, method: str = LABEL_MODEL,
                class_balance: float | None = None) -> WeakLabels:
    """Weak-supervision labels for every deployment of `fleet` (what `python -m fdd train` uses).

    `verdict` is `run_checks(fleet, 60)` when the caller already has it. Raises ValueError when
    no LF is enabled or all abstain everywhere.
    """
    config = config or LFConfig()
    if not config.active:
        raise ValueError("no labeling function is enabled: enable at least one")
    inputs = lf_inputs(fleet, verdict)
    L = label_matrix(inputs, config)
    return combine_votes(L, config.active, inputs["deployment_id"].to_numpy(), seed=seed, method=method,
                         class_balance=class_balance)


def training_targets(labels: WeakLabels, weighted: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Labels (0/1) and sample weights for the sequential models from weak labels.

    Deployments on which every LF abstained get weight 0 (they carry no label). With `weighted`,
    each deployment weighs the probability of its label (max(p, 1 - p), in [0.5, 1]), so uncertain
    labels count less; otherwise every labelled deployment weighs 1.
    """
    covered = labels.covered
    y = np.where(covered, labels.label, 0).astype(np.int64)
    if weighted:
        p = np.nan_to_num(labels.probability, nan=0.5)
        weight = np.where(covered, np.where(y == 1, p, 1.0 - p), 0.0)
    else:
        weight = covered.astype(np.float64)
    return y, weight


def write_labels_csv(labels: WeakLabels, path: str | os.PathLike[str]) -> Path:
    """Write `deployment_id, probability, label` to `path` atomically (no partial file on failure).

    `probability` is P(faulty) in [0, 1], rounded to 6 significant digits; `label` 0 or 1; both
    empty where every LF abstained. Written by `fdd.schema.write_table` (temp file and rename,
    ordinary file permissions).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = labels.table()
    probability = table["probability"].to_numpy(dtype=np.float64)
    finite = np.isfinite(probability)
    rounded = probability.copy()
    rounded[finite] = [float(f"{p:.6g}") for p in probability[finite]]
    return write_table(table.assign(probability=rounded), path)
