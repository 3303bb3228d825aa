"""Unsupervised checks: one deployment under the microscope, then the whole fleet.

Thin UI: read widgets, call `fdd`, draw. Every statistic comes from `fdd.checks`,
`fdd.refinement`, `fdd.kayenta` and `fdd.charts_checks`.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from fdd import charts_checks as cc
from fdd.checks import CHECK_NAMES, ITERATION_STEPS, run_checks, vote
from fdd.kayenta import EXPECTED_SECONDS_PER_RUN
from fdd.refinement import information_ceilings, iteration_table
from fdd.simulate import PROFILES, SCENARIOS, SCENARIOS_CONFOUNDER, SCENARIOS_FAULTY, simulate_deployment
from ui_common import current_fleet, fleet_checks, kayenta_scores, keep, show_error, simulated_fleet

TRAFFIC_OPTIONS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0)
ERROR_RATE_OPTIONS = (0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05)
HORIZON_MIN, HORIZON_MAX = 5, 60
FLEET_HORIZON = 60
HISTORY_KEY = "uns_history"
CURRENT_KEY = "_uns_current_entry"  # the deployment on screen, as a history entry
SKIP_KEY = "_uns_skip_entry"  # the deployment on screen when the history was cleared
MISSING = "—"  # shown for a value that does not exist
SEED_MAX = 1_000_000
SEED_WIDTH = 16 + 9 * len(str(SEED_MAX))  # pixels: cell padding and one digit's width per digit
OURS = f"fdd checks ({FLEET_HORIZON} min)"
KAYENTA = f"Kayenta-style judge ({FLEET_HORIZON} min)"


def _scenario_label(name: str) -> str:
    if name in SCENARIOS_FAULTY:
        return f"{name} (fault)"
    if name in SCENARIOS_CONFOUNDER:
        return f"{name} (confounder)"
    return name


def _percent(rate: float) -> str:
    return f"{rate * 100:g}%"


def _traffic(rpm: float) -> str:
    return f"{rpm:g} req/min"


def _clear_history() -> None:
    st.session_state[HISTORY_KEY] = []
    # The deployment on screen stays out of the history until a parameter changes.
    st.session_state[SKIP_KEY] = st.session_state.get(CURRENT_KEY)


st.title("Unsupervised checks")
st.markdown(
    "Five statistical checks compare a deployment's **new** version with the **previous** one "
    "(its hour before the rollout and, during a canary, the same minutes), and the deployment is "
    "called faulty only when every enabled check agrees. Build a deployment on the left — a fault "
    "or a confounder that merely looks like one — and watch which checks vote ✅ and why; then see, "
    "on the whole simulated fleet below, which check removed which false positives and how a "
    "Kayenta-style canary judge does on the same deployments."
)


# ---------------------------------------------------------------------------- one deployment


@st.fragment
def explorer() -> None:
    st.header("Explore one deployment")
    left, right = st.columns([1, 2.7], gap="large")
    with left:
        profile = st.selectbox(
            "Application profile", list(PROFILES), key=keep("uns_profile", "api"),
            format_func=lambda p: f"{p} — {PROFILES[p].description}",
            help="Sets the latency level, the noise and, unless set by hand below, the traffic and error rate.",
        )
        scenario = st.selectbox(
            "Scenario", list(SCENARIOS), key=keep("uns_scenario", "error_step"),
            format_func=_scenario_label,
            help="Faults make the new version worse; confounders make a healthy deployment look bad.",
        )
        magnitude = st.slider(
            "Magnitude", 0.0, 1.0, step=0.05, key=keep("uns_magnitude", 0.5),
            help="The fault's severity, or the confounder's strength (no effect on a healthy deployment). "
                 "0 is the weakest fault the simulator makes, not no fault: a faulty scenario still changes the "
                 "new version at 0 (pick `healthy` for a deployment without a fault).",
        )
        manual = st.toggle("Set the levels by hand", key=keep("uns_manual_levels", True),
                           help="On: traffic and base error rate below. "
                                "Off: both are drawn from the profile's ranges with the seed.")
        rpm = st.select_slider("Traffic", options=TRAFFIC_OPTIONS, format_func=_traffic,
                               key=keep("uns_traffic", 100.0), disabled=not manual,
                               help="Mean requests per minute (log scale); overrides low_traffic's own level.")
        base_error = st.select_slider("Base error rate", options=ERROR_RATE_OPTIONS,
                                      format_func=_percent, key=keep("uns_base_error", 0.002), disabled=not manual,
                                      help="The previous version's usual share of failing requests.")
        rollout = st.radio("Rollout", ("instant", "canary"), horizontal=True, key=keep("uns_rollout", "instant"),
                           help="Canary: the new version starts with a small share of traffic that doubles in steps.")
        seed = st.number_input("Deployment seed", min_value=0, max_value=SEED_MAX, step=1, key=keep("uns_seed", 0),
                               help="Draws the noise, seasonality and onset: change it to see another draw.")
        horizon = st.slider("Horizon (minutes)", HORIZON_MIN, HORIZON_MAX, step=1, key=keep("uns_horizon", HORIZON_MAX),
                            help="The checks see only minutes before the horizon.")
        enabled = st.multiselect("Checks in the vote", list(CHECK_NAMES),
                                 key=keep("uns_enabled", list(CHECK_NAMES)), help="The unanimous vote of these checks decides.")

    params = {
        "profile": profile, "scenario": scenario, "magnitude": float(magnitude),
        "traffic_rpm": float(rpm) if manual else None, "base_error_rate": float(base_error) if manual else None,
        "rollout": rollout, "seed": int(seed), "horizon": int(horizon),
    }
    with right:
        try:
            fleet = simulate_deployment(
                scenario=scenario, magnitude=float(magnitude), profile=profile,
                requests_per_minute=params["traffic_rpm"], base_error_rate=params["base_error_rate"],
                rollout=rollout, seed=int(seed),
            )
            verdict = run_checks(fleet, int(horizon))
            series = cc.deployment_series(fleet, 0)
            error_chart = cc.timeseries_chart(series, "error_rate", int(horizon),
                                              cc.baseline_band(series, "error_rate"))
            latency_chart = cc.timeseries_chart(series, "latency_ms", int(horizon),
                                                cc.baseline_band(series, "latency_ms"), height=250)
            checks_table = cc.verdict_frame(verdict, 0, tuple(enabled))
        except ValueError as error:
            show_error(error)
            return

        truth = fleet.deployments.iloc[0]
        rate = float(truth["requests_per_minute"])
        levels = (f"{rate:,.0f} req/min" if rate >= 100 else f"{rate:.3g} req/min") + (
                  f", base error rate {truth['base_error_rate']:.3%}"
                  + ("" if manual else " (drawn from the profile)"))
        if int(truth["label"]):
            visible = "visible in the data" if int(truth["detectable"]) else "too faint to be visible in the window"
            truth_text = f"**faulty** ({scenario}, magnitude {magnitude:.2f}; {visible})"
        else:
            truth_text = "**not faulty**" + (f" ({scenario})" if scenario != "healthy" else "")
        st.caption(f"Simulator's truth: {truth_text}. Levels: {levels}.")
        st.altair_chart(error_chart, width="stretch")
        st.altair_chart(latency_chart, width="stretch")
        st.caption("Green band: central 90% of the previous version's minutes before the rollout (dashed: its mean). "
                   "Grey: minutes the checks do not see at this horizon.")

        decision = None
        with st.container(border=True):
            try:
                flagged = bool(vote(verdict.results, tuple(enabled))[0])
            except ValueError as error:
                show_error(f"No decision: {error}. The unanimous vote needs at least one check; "
                           "pick some in “Checks in the vote”.")
            else:
                against = checks_table[checks_table["in_vote"] & (checks_table["verdict"] == cc.FAIL_MARK)]["check"]
                if flagged:
                    st.markdown(f"#### :red[🚩 Flagged as faulty at {horizon} min]\n"
                                f"All {len(enabled)} checks in the vote say faulty.")
                else:
                    st.markdown(f"#### :green[Not flagged at {horizon} min]\n"
                                f"Voting against: **{', '.join(against)}** "
                                f"({len(enabled) - len(against)} of {len(enabled)} say faulty).")
                decision = ("flagged" if flagged else "not flagged", list(against))

    # st.table, not st.dataframe: the reasons are the point, and only a static table wraps them.
    st.table(
        checks_table.assign(in_vote=checks_table["in_vote"].map({True: "yes", False: "no"})).rename(
            columns={"in_vote": "in the vote", "verdict": "says faulty"}),
        hide_index=True,
    )
    st.caption("✅ the check's condition for a faulty deployment holds; ❌ it does not. "
               "Checks left out of the vote are listed last, with what they would have said.")

    if decision is not None:
        history = st.session_state.setdefault(HISTORY_KEY, [])
        entry = {**params, "checks": ", ".join(enabled), "truth": "faulty" if int(truth["label"]) else "not faulty",
                 "decision": decision[0], "failed_checks": ", ".join(decision[1])}
        st.session_state[CURRENT_KEY] = entry
        if entry != st.session_state.get(SKIP_KEY) and entry not in history:
            history.append(entry)
            st.session_state[SKIP_KEY] = None

    history = st.session_state.get(HISTORY_KEY, [])
    st.subheader("Explored deployments")
    if not history:
        st.caption("Every deployment you explore is added here, with its decision.")
        return
    frame = pd.DataFrame(history)
    frame["correct"] = (frame["decision"] == "flagged") == (frame["truth"] == "faulty")
    st.dataframe(
        frame.iloc[::-1], hide_index=True, width="stretch", key="uns_history_table", placeholder=MISSING,
        column_config={
            "magnitude": st.column_config.NumberColumn("magnitude", format="%.2f"),
            "traffic_rpm": st.column_config.NumberColumn("traffic (req/min)",
                                                         help=f"{MISSING}: drawn from the profile's range"),
            "base_error_rate": st.column_config.NumberColumn("base error rate", format="percent",
                                                             help=f"{MISSING}: drawn from the profile's range"),
            # wide enough for the largest seed: a narrower, right-aligned cell showed 1000000 as "000000"
            "seed": st.column_config.NumberColumn("seed", format="%d", width=SEED_WIDTH),
            "horizon": st.column_config.NumberColumn("horizon (min)"),
            "failed_checks": st.column_config.TextColumn("checks voting against"),
            "correct": st.column_config.CheckboxColumn("decision matches truth"),
        },
    )
    buttons = st.container(horizontal=True)  # each button as wide as its label (fixed columns cut it)
    buttons.download_button("Download history (CSV)", frame.to_csv(index=False), "explored_deployments.csv",
                            "text/csv", key="uns_history_csv", on_click="ignore")
    buttons.button("Clear history", key="uns_clear_history", on_click=_clear_history)


explorer()


# ---------------------------------------------------------------------------- the fleet


def _ceilings_section(ceilings: pd.DataFrame) -> None:
    """What information outside the contract would buy at most (an oracle on the simulator's truth)."""
    with st.expander("What the remaining false positives would need: information the data contract lacks"):
        st.markdown(
            "An unrelated incident that starts with an instant rollout, or a seasonal rise that starts just "
            "after it, looks like a fault to every statistic of one deployment: the previous version no longer "
            "serves at the same minutes. The error series of every service on one clock would show an incident "
            "hitting several services at once; the same hour of earlier days would show a seasonal rise. Neither "
            "is in the contract (`deployed_at` alone, at this deployment density, aligns as many chance "
            "neighbours as real ones). Below, the simulator's truth plays that information, as an oracle: the "
            "most it could buy.")
        st.dataframe(ceilings, hide_index=True, width="stretch", placeholder=MISSING,
                     key="uns_ceilings", column_config={
                         "with": st.column_config.TextColumn("the 60-min vote", width="large"),
                         "flagged": st.column_config.NumberColumn("flagged"),
                         "precision": st.column_config.NumberColumn("precision", format="percent"),
                         "recall_detectable": st.column_config.NumberColumn("recall (detectable)", format="percent"),
                         "f1": st.column_config.NumberColumn("F1", format="%.3f")})


def fleet_view() -> None:
    n, seed = current_fleet()
    st.header("The whole fleet")
    st.markdown(
        f"The sidebar's fleet: **{n:,} simulated deployments** (seed {seed}), judged at {FLEET_HORIZON} minutes. "
        "Each step of the refinement adds one check to the unanimous vote; the simulator's ground truth is used "
        "only to measure."
    )
    try:
        fleet = simulated_fleet(n, seed)
        verdicts = {v.horizon: v for v in fleet_checks(n, seed)}
        if FLEET_HORIZON not in verdicts:
            raise ValueError(f"the checks did not run at {FLEET_HORIZON} minutes")
        verdict = verdicts[FLEET_HORIZON]
        table = iteration_table(verdict, fleet.deployments, ITERATION_STEPS)
        metrics_chart = cc.refinement_metrics_chart(table)
        fp_chart = cc.confounder_fp_chart(cc.confounder_fp_frame(table))
    except ValueError as error:
        show_error(error)
        return

    st.subheader("Iterative refinement")
    fp_columns = [c for c in table.columns if c.startswith("fp_") and c != "fp_rate"]
    percent = {c: st.column_config.NumberColumn(label, format="percent") for c, label in (
        ("precision", "precision"), ("recall", "recall"), ("recall_detectable", "recall (detectable)"),
        ("f1", "F1"), ("fp_rate", "FP rate"))}
    percent.update({c: st.column_config.NumberColumn(f"FP {c.removeprefix('fp_')}", format="percent")
                    for c in fp_columns})
    st.dataframe(
        table, hide_index=True, width="stretch", key="uns_iteration_table", placeholder=MISSING,
        column_order=["step", "added", "story", "flagged", "precision", "recall", "recall_detectable", "f1",
                      "fp_rate", "tp", "fp", *fp_columns],
        column_config={
            **percent,
            "step": st.column_config.NumberColumn("step", width="small"),
            "added": st.column_config.TextColumn("check added"),
            "story": st.column_config.TextColumn("what the step adds", width="large"),
            "flagged": st.column_config.NumberColumn("flagged"),
            "tp": st.column_config.NumberColumn("true pos."),
            "fp": st.column_config.NumberColumn("false pos."),
        },
    )
    left, right = st.columns(2, gap="large")
    left.altair_chart(metrics_chart, width="stretch")
    right.altair_chart(fp_chart, width="stretch")
    st.caption("Read the heatmap row by row: the step where a confounder's cell turns pale is the check "
               "that learned to ignore it.")
    try:
        ceilings = information_ceilings(verdict.flagged, fleet.deployments)
    except ValueError:  # no simulator's scenarios to play the missing information: nothing to show
        ceilings = None
    if ceilings is not None:
        _ceilings_section(ceilings)

    st.subheader("Against a Kayenta-style canary judge")
    run_judge = st.toggle(
        "Judge the fleet with the Kayenta-style judge", key=keep("uns_kayenta", False),
        help="Mann-Whitney tests on per-minute error rate and p95 latency, one deployment at a time as "
             f"Kayenta runs canaries: about {EXPECTED_SECONDS_PER_RUN * 1000:.0f} ms per deployment on 2 CPUs "
             "(benchmarks/bench_app.py), cached afterwards for every visitor. Off by default so that the page "
             "opens at once.",
    )
    flags = {OURS: verdict.flagged}
    if run_judge:
        try:
            label = (f"Judging {n:,} deployments with the Kayenta-style judge, one at a time "
                     f"(roughly {max(1, round(n * EXPECTED_SECONDS_PER_RUN))} s the first time; cached afterwards)…")
            with st.status(label, expanded=False) as status:
                st.write("Per deployment: a 98% Mann-Whitney interval per metric, Kayenta's tolerance band "
                         "and its scorer; critical metrics fail the run.")
                started = time.perf_counter()
                scores = kayenta_scores(n, seed, (FLEET_HORIZON,))
                flags[KAYENTA] = cc.flags_by_id(scores, fleet.ids)
                took = time.perf_counter() - started
                status.update(label=f"Kayenta-style judge: {n:,} deployments judged"
                                    + (f" in {took:.1f} s" if took >= 0.05 else " (cached)"),
                              state="complete")
        except ValueError as error:
            show_error(error)
    try:
        comparison = cc.detector_comparison(flags, fleet.deployments)
        recall = cc.scenario_recall(flags, fleet.deployments)
        recall_chart = cc.scenario_recall_chart(recall)
        recall_wide = cc.scenario_recall_wide(recall)
    except ValueError as error:
        show_error(error)
        return
    percent_cols = {c: st.column_config.NumberColumn(label, format="percent") for c, label in (
        ("precision", "precision"), ("recall", "recall"), ("f1", "F1"), ("fp_rate", "FP rate"),
        ("recall_detectable", "recall (detectable)"))}
    st.dataframe(comparison, hide_index=True, width="stretch", key="uns_comparison_table", placeholder=MISSING,
                 column_config={"detector": st.column_config.TextColumn("detector", width="medium"),
                                "flagged": st.column_config.NumberColumn("flagged"), **percent_cols})

    st.subheader("Per fault scenario")
    # one above the other: side by side at 1280 px, the table's last column and the legend were cut
    st.altair_chart(recall_chart, width="stretch")
    st.dataframe(
        recall_wide, hide_index=True, width="stretch", key="uns_recall_table", placeholder=MISSING,
        column_config={"scenario": st.column_config.TextColumn("fault scenario"),
                       "deployments": st.column_config.NumberColumn("faulty", help="faulty deployments"),
                       **{name: st.column_config.NumberColumn(name.split(" (")[0], format="percent",
                                                              help=f"recall of the {name}")
                          for name in flags}},
    )

    try:
        verdicts_csv = cc.fleet_verdicts_frame(fleet, verdict).to_csv(index=False)
    except ValueError as error:
        show_error(error)
        return
    st.download_button(
        f"Download the fleet's check verdicts at {FLEET_HORIZON} min (CSV)", verdicts_csv,
        f"check_verdicts_n{n}_seed{seed}.csv", "text/csv", key="uns_fleet_csv", on_click="ignore",
        help="deployment_id, scenario, label, each check's verdict (1 = votes faulty) and the unanimous vote.",
    )


fleet_view()
