"""`python -m fdd <command>`: the command line of DATA_CONTRACT.md.

A command is a `Command`: its name, one line of help, a function adding its arguments and a
function running it that returns the one summary line printed on success; `COMMANDS` lists them
(simulate, validate, train, score, evaluate).

Exit status: 0 on success; 2 on bad input, i.e. an argparse usage error or any `ContractError` /
`ValueError` (printed as ONE line, `fdd: error: ...`, on stderr; outputs are written atomically,
so nothing is left behind); 1 when the output cannot be written (`OSError`); 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fdd.fleet import Fleet
from fdd.schema import FORMATS, build_fleet, check_output_dir, find_tables, read_data_dir, write_data_dir

if TYPE_CHECKING:  # lightgbm and torch are imported only by the commands that need them
    import numpy as np

    from fdd.sequential import SequentialDetector
    from fdd.weak import WeakLabels

    # What a label source gives `train`: 0/1 labels, sample weights or None, weak labels or None.
    TrainingLabels = tuple[np.ndarray, np.ndarray | None, WeakLabels | None]

PROG = "fdd"


@dataclass(frozen=True)
class Command:
    """One subcommand: how to parse its arguments and how to run it."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], str]  # returns the summary line


# --- argument types -----------------------------------------------------------------------------


def _int_at_least(low: int) -> Callable[[str], int]:
    """An argparse type: an integer >= low."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


# --- simulate -----------------------------------------------------------------------------------


def _simulate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=_int_at_least(1), required=True, help="number of deployments")
    parser.add_argument("--seed", type=_int_at_least(0), required=True, help="random seed")
    parser.add_argument("--out", type=Path, required=True, help="data folder to write")
    parser.add_argument("--format", choices=FORMATS, default="csv", help="table format (default csv)")


def _simulate_fleet(n: int, seed: int) -> Fleet:
    """The simulator, imported on use so other commands start without it."""
    from fdd.simulate import simulate_fleet

    return simulate_fleet(n, seed)


def _run_simulate(args: argparse.Namespace) -> str:
    check_output_dir(args.out, args.format)  # fail before the (slow) simulation, not after
    fleet = _simulate_fleet(args.n, args.seed)
    write_data_dir(fleet, args.out, args.format)
    # Rows written: one per present cell, plus the zero row write_data_dir adds per silent deployment.
    rows = int(fleet.present.sum()) + int((~fleet.present.any(axis=(0, 2))).sum())
    deps = fleet.deployments
    faulty = f", {int(deps['label'].sum())} labelled faulty" if "label" in deps.columns else ""
    return f"wrote {fleet.n} deployments ({rows} timeseries rows{faulty}) to {args.out} as {args.format}"


# --- validate -----------------------------------------------------------------------------------


def _validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True, help="data folder to check")


def _run_validate(args: argparse.Namespace) -> str:
    timeseries, deployments = read_data_dir(args.data)
    fleet = build_fleet(timeseries, deployments, str(find_tables(args.data)["timeseries"]))
    optional = [name for name, has in (("new_type_errors", fleet.has_new_type_errors),
                                       ("latency_ms", fleet.has_latency)) if has]
    optional += [c for c in ("label", "deployed_at") if c in deployments.columns]
    return (f"{args.data}: valid: {fleet.n} deployments, {len(timeseries)} timeseries rows, minutes "
            f"{fleet.minutes[0]}..{fleet.minutes[-1]}; optional columns: {', '.join(optional) or 'none'}")


# --- train / score (the sequential models) -------------------------------------------------------
# Label sources for `train`: name -> function(fleet, seed) -> (0/1 labels, sample weights or None,
# weak labels or None). Weak supervision (the default) also writes MODEL_DIR/labels.csv.


def _ensemble_labels(fleet: Fleet, seed: int) -> TrainingLabels:
    from fdd.sequential import ensemble_labels

    return ensemble_labels(fleet), None, None


def _weak_labels(fleet: Fleet, seed: int) -> TrainingLabels:
    from fdd.weak import training_targets, weak_labels

    weak = weak_labels(fleet, seed=seed)
    labels, weights = training_targets(weak)
    return labels, weights, weak


LABEL_SOURCES: dict[str, Callable[[Fleet, int], TrainingLabels]] = {"weak": _weak_labels, "ensemble": _ensemble_labels}
DEFAULT_LABELS = "weak"
LABELS_FILE = "labels.csv"
SCORE_FORMATS = (".csv", ".parquet")


def _unit_interval(text: str) -> float:
    """An argparse type: a number in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must lie in (0, 1], got {value}")
    return value


def _horizon_list(text: str) -> tuple[int, ...]:
    """An argparse type: comma-separated whole minutes >= 1, e.g. `10,20,60` (sorted, duplicates dropped)."""
    try:
        minutes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of whole minutes: {text!r}") from None
    if not minutes or minutes[0] < 1:
        raise argparse.ArgumentTypeError(f"give whole minutes of at least 1, e.g. 10,20,60; got {text!r}")
    return tuple(minutes)


def _train_arguments(parser: argparse.ArgumentParser) -> None:
    from fdd.features import FEATURE_SETS

    parser.add_argument("--data", type=Path, required=True, help="data folder to train on")
    parser.add_argument("--model", type=Path, required=True, help="model folder to write")
    parser.add_argument("--labels", choices=tuple(LABEL_SOURCES), default=DEFAULT_LABELS,
                        help=f"training labels (default {DEFAULT_LABELS}: the label model over the labeling "
                             "functions, written to MODEL/labels.csv; ensemble: the 60-minute check ensemble)")
    parser.add_argument("--feature-set", choices=FEATURE_SETS, default="full", help="features (default full)")
    parser.add_argument("--target-precision", type=_unit_interval, default=0.9,
                        help="precision each horizon's threshold aims at against the ensemble's vote (default "
                             "0.9); with weak labels, thresholds match that reference's precision on the labels")
    parser.add_argument("--horizons", type=_horizon_list, default=(10, 20, 60),
                        help="minutes at which a model decides, comma-separated (default 10,20,60); more "
                             "horizons detect sooner and flag more deployments that the hour does not confirm")
    parser.add_argument("--seed", type=_int_at_least(0), default=0, help="random seed (default 0)")


MODEL_FOLDER_FILES = ("meta.json", LABELS_FILE)  # with model_<h>.txt: what `train` writes


def _check_model_folder(folder: Path) -> None:
    """Refuse a --model path that `train` must not replace: a file, or a folder holding other things."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise ValueError(f"{folder}: exists and is not a folder")
    foreign = sorted(p.name for p in folder.iterdir()
                     if p.name not in MODEL_FOLDER_FILES and not (p.name.startswith("model_") and p.suffix == ".txt"))
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise ValueError(f"{folder}: holds files that are not a model's ({shown}); train replaces the whole "
                         "folder, so give a new or empty folder, or a model folder written by `train`")


def _fit_on_weak_labels(fleet: Fleet, weak: WeakLabels, settings: dict[str, object]) -> SequentialDetector:
    """Weak-label models with thresholds matched to the ensemble-trained reference (fitted first).

    A failure names the label set that could not train: the 60-minute ensemble's vote (the
    reference) or the weak labels.
    """
    from fdd.sequential import SequentialError
    from fdd.weak_eval import fit_ensemble_detector, fit_weak_detector

    try:
        reference = fit_ensemble_detector(fleet, **settings)
    except SequentialError as exc:
        raise SequentialError(
            "the 60-minute check ensemble's vote, the labels of the reference models that set the weak-label "
            f"models' thresholds, cannot train them: {exc}") from None
    try:
        return fit_weak_detector(fleet, weak, reference=reference, **settings)
    except SequentialError as exc:
        raise SequentialError(f"cannot train on the weak labels ({weak.model}): {exc}") from None


def _place_folder(staged: Path, target: Path) -> None:
    """Rename the finished `staged` folder to `target`; an existing `target` is replaced only now."""
    if not target.exists():
        os.rename(staged, target)
        return
    old = target.with_name(f".{target.name}.{uuid.uuid4().hex}.old")
    os.rename(target, old)
    try:
        os.rename(staged, target)
    except BaseException:
        os.rename(old, target)  # put the previous models back
        raise
    shutil.rmtree(old, ignore_errors=True)


def _run_train(args: argparse.Namespace) -> str:
    from fdd.schema import load_fleet
    from fdd.sequential import SequentialDetector

    target = args.model
    _check_model_folder(target)  # fail before the (slow) training, not after
    fleet = load_fleet(args.data)
    labels, weights, weak = LABEL_SOURCES[args.labels](fleet, args.seed)
    settings = dict(horizons=args.horizons, feature_set=args.feature_set, target_precision=args.target_precision,
                    seed=args.seed)
    if weak is None:
        detector = SequentialDetector(**settings).fit(fleet, labels, sample_weight=weights,
                                                      target_name=f"{args.labels} labels (python -m fdd train)")
    else:  # thresholds matched to the ensemble-trained models' precision against the weak labels
        detector = _fit_on_weak_labels(fleet, weak, settings)
    # The whole folder is written beside the target and renamed into place: a failure leaves the
    # previous folder (or none) as it was, and no file of an earlier training (labels.csv) survives.
    _check_model_folder(target)
    final = Path(os.path.abspath(target))  # a name to stage beside, even for `--model .`
    created = next((p for p in reversed(final.parents) if not p.exists()), None)  # top folder made here
    final.parent.mkdir(parents=True, exist_ok=True)
    staged = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
    try:
        staged.mkdir()
        detector.save(staged)
        if weak is not None:
            from fdd.weak import write_labels_csv

            write_labels_csv(weak, staged / LABELS_FILE)
        _place_folder(staged, final)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        if created is not None and not any(p.is_file() for p in created.rglob("*")):
            shutil.rmtree(created, ignore_errors=True)  # only the empty folders this call made
        raise
    source = args.labels
    if weak is not None:
        source = f"{args.labels} ({weak.model}; labels in {target / LABELS_FILE})"
    thresholds = ", ".join(f"{h} min {_threshold_text(t)}" for h, t in zip(detector.horizons_, detector.thresholds_))
    return (f"trained {len(detector.horizons_)} models on {fleet.n} deployments "
            f"({int(detector.labels_.sum())} positive by {source}); thresholds {thresholds}; saved to {target}")


def _threshold_text(threshold: float) -> str:
    """A horizon's threshold for the summary line; an infinite one (no cut reached the target
    precision) means that horizon's model never flags anything."""
    return f"{threshold:.3f}" if math.isfinite(threshold) else "never fires"


def _score_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True, help="data folder to score")
    parser.add_argument("--out", type=Path, required=True, help="scores file to write (.csv or .parquet)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--model", type=Path, help="model folder (default: the models shipped with fdd)")
    source.add_argument("--checks-only", action="store_true",
                        help="run the cascade on the statistical checks alone, without models")


def _check_output_file(path: Path) -> None:
    """Fail before any work if `path` cannot take a scores file."""
    if path.suffix.lower() not in SCORE_FORMATS:
        raise ValueError(f"{path}: unsupported file type {path.suffix or '(no suffix)'}; use .csv or .parquet")
    if path.is_dir():
        raise ValueError(f"{path}: is a folder, not a file")
    if not path.parent.is_dir():
        raise ValueError(f"{path.parent}: no such folder for the scores file")


def _run_score(args: argparse.Namespace) -> str:
    from fdd.schema import load_fleet, write_table
    from fdd.sequential import SequentialDetector, checks_cascade, scores_frame

    _check_output_file(args.out)
    if args.checks_only:
        detector, source = None, "the statistical checks"
    elif args.model is not None:
        detector, source = SequentialDetector.load(args.model), f"the models in {args.model}"
    else:
        detector, source = SequentialDetector.load_default(), "the shipped models"
    fleet = load_fleet(args.data)
    result = checks_cascade(fleet) if detector is None else detector.cascade(fleet)
    write_table(scores_frame(fleet.ids, result), args.out)
    per = ", ".join(f"{int((result.detected_minute == h).sum())} at {h} min" for h in result.horizons)
    return f"scored {fleet.n} deployments with {source}: {int(result.faulty.sum())} flagged ({per}); wrote {args.out}"


def _evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True, help="data folder whose deployments carry `label`")
    parser.add_argument("--scores", type=Path, required=True, help="scores file written by `score`")


def _run_evaluate(args: argparse.Namespace) -> str:
    from fdd.schema import find_tables, read_data_dir, read_table, validate_scores
    from fdd.scorecard import align_scores, evaluate, horizons_of, render

    _, deployments = read_data_dir(args.data)
    scores = validate_scores(read_table(args.scores), source=args.scores.name)
    labels, ordered = align_scores(deployments, scores, scores_source=args.scores.name,
                                   deployments_source=find_tables(args.data)["deployments"].name)
    report = render(*evaluate(labels, ordered, horizons_of(ordered)))
    if len(labels) < len(deployments):
        report = (f"measured on the {len(labels):,} labelled deployments of {len(deployments):,} (the others' "
                  f"label is empty)\n{report}")
    return report


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("simulate", "write a simulated fleet, with labels, to a data folder",
                _simulate_arguments, _run_simulate),
        Command("validate", "check a data folder against the data contract",
                _validate_arguments, _run_validate),
        Command("train", "fit the sequential models (10/20/60 min by default) on a data folder and save them",
                _train_arguments, _run_train),
        Command("score", "score every deployment of a data folder with the detection cascade",
                _score_arguments, _run_score),
        Command("evaluate", "precision, recall, coverage per horizon and time to detection against `label`",
                _evaluate_arguments, _run_evaluate),
    )
}


# --- entry point --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one subparser per entry of COMMANDS."""
    parser = argparse.ArgumentParser(prog=PROG, description="Faulty deployment detection.")
    sub = parser.add_subparsers(dest="command_name", metavar="command", required=True)
    for command in COMMANDS.values():
        child = sub.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(child)
        child.set_defaults(command=command)
    return parser


def _fail(exc: BaseException, status: int) -> int:
    """Print the error as one line on stderr and return the exit status."""
    message = " ".join(str(exc).splitlines()) or type(exc).__name__
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status instead of raising SystemExit."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse: 2 on a usage error, 0 after --help
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        summary = args.command.run(args)
    except ValueError as exc:  # ContractError included: bad input
        return _fail(exc, 2)
    except OSError as exc:
        return _fail(exc, 1)
    except KeyboardInterrupt:
        return 130
    print(summary)
    return 0
