"""`python -m fdd <command>`: the command line of DATA_CONTRACT.md.

A command is a `Command`: its name, one line of help, a function adding its arguments and a
function running it that returns the one summary line printed on success. `train`, `score` and
`evaluate` slot in as further entries of `COMMANDS`.

Exit status: 0 on success; 2 on bad input, i.e. an argparse usage error or any `ContractError` /
`ValueError` (printed as ONE line, `fdd: error: ...`, on stderr; outputs are written atomically,
so nothing is left behind); 1 when the output cannot be written (`OSError`); 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fdd.fleet import Fleet
from fdd.schema import FORMATS, build_fleet, check_output_dir, find_tables, read_data_dir, write_data_dir

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


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("simulate", "write a simulated fleet, with labels, to a data folder",
                _simulate_arguments, _run_simulate),
        Command("validate", "check a data folder against the data contract",
                _validate_arguments, _run_validate),
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
