"""Speed and memory of the app as a user meets it.

    python benchmarks/bench_app.py [--n 2000] [--seed 7] [--skip-memory]

Prints one table (measure, value, target, ok) and the import time of every module the pages use:

* cold start: `AppTest.from_file('streamlit_app.py').run()` (the first page, Overview) in a fresh
  Python process, timed inside it; plus the whole process (interpreter, imports, first page); and
  whether torch got imported at start (it must not: only weak supervision's label model needs it);
* the default pipeline: simulate 2,000 deployments, run the checks at 10/20/60 minutes, score them
  with the shipped sequential models (a fresh process; imports not counted); then the Kayenta-style
  judge at 60 minutes, as the Unsupervised checks page runs it (the app announces the wait from
  `fdd.kayenta.EXPECTED_SECONDS_PER_RUN`; this prints the measured value beside it);
* a widget change on a warm cache: AppTest re-render after changing a widget whose results are
  already cached (the median and the worst of several changes over several pages);
* peak memory: `resource.getrusage(RUSAGE_SELF).ru_maxrss` of a process that opens every page of
  the app with n=2000 (AppTest) and asks the Results page for its slow stages too, i.e. the whole
  pipeline including training, the label model (torch) and the Kayenta judge.
* an upload at the app's size limit: peak memory of a process that reads, validates, scores and
  explains a CSV upload of 16,000 deployments, as the Your data page does (the CSV is written
  beforehand, by the benchmark itself).

Each measurement runs in its own subprocess so that caches and imported modules of one do not
flatter another.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fdd.kayenta import EXPECTED_SECONDS_PER_RUN  # noqa: E402
TARGETS = {"cold_start_s": 3.0, "pipeline_s": 5.0, "warm_rerender_s": 0.5, "peak_memory_mb": 1024.0}
PAGES = ("app_pages/overview.py", "app_pages/unsupervised.py", "app_pages/sequential.py",
         "app_pages/weak_supervision.py", "app_pages/results.py", "app_pages/your_data.py")
# The modules streamlit_app.py and its pages import, in the order a visitor meets them.
APP_MODULES = ("streamlit", "ui_common", "altair", "fdd.simulate", "fdd.checks", "fdd.refinement", "fdd.kayenta",
               "fdd.charts_checks", "fdd.features", "lightgbm", "fdd.sequential", "fdd.charts_sequential",
               "snorkel.labeling", "fdd.weak", "fdd.evaluation", "fdd.charts_results", "fdd.reference",
               "fdd.upload")


def _run(code: str, timeout: float = 1800.0) -> dict:
    """Run `code` in a fresh interpreter (cwd = repo root); it prints one JSON line last."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark step failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    return result


def cold_start() -> dict:
    return _run("""
        import json, sys, time
        t0 = time.perf_counter()
        from streamlit.testing.v1 import AppTest
        t1 = time.perf_counter()
        at = AppTest.from_file("streamlit_app.py", default_timeout=120)
        at.run()
        t2 = time.perf_counter()
        assert not at.exception, at.exception
        heavy = [m for m in ("torch", "lightgbm", "snorkel", "sklearn") if m in sys.modules]
        print(json.dumps({"run_s": t2 - t1, "import_apptest_s": t1 - t0, "torch": "torch" in sys.modules,
                          "heavy_at_start": heavy, "title": at.title[0].value}))
    """)


def import_times() -> dict:
    return _run(f"""
        import importlib, json, sys, time
        out = {{}}
        for name in {list(APP_MODULES)!r}:
            t = time.perf_counter()
            importlib.import_module(name)
            out[name] = time.perf_counter() - t
        out["torch_imported"] = "torch" in sys.modules
        print(json.dumps(out))
    """)


def pipeline(n: int, seed: int) -> dict:
    return _run(f"""
        import json, time
        from fdd.checks import run_horizons
        from fdd.sequential import SequentialDetector
        from fdd.simulate import simulate_fleet
        t0 = time.perf_counter()
        fleet = simulate_fleet({n}, {seed})
        t1 = time.perf_counter()
        verdicts = run_horizons(fleet, (10, 20, 60))
        t2 = time.perf_counter()
        scores = SequentialDetector.load_default().score(fleet)
        t3 = time.perf_counter()
        from fdd.kayenta import judge_fleet
        t4 = time.perf_counter()
        judge_fleet(fleet, (60,))  # the Unsupervised page's toggle
        t5 = time.perf_counter()
        print(json.dumps({{"simulate_s": t1 - t0, "checks_s": t2 - t1, "score_s": t3 - t2, "total_s": t3 - t0,
                          "flagged": int(scores["faulty"].sum()), "judge_s": t5 - t4}}))
    """)


def upload_peak(n: int, seed: int) -> dict:
    """Peak memory of the Your data page's work on a CSV upload of n simulated deployments.

    The CSV is written here; a fresh process reads, validates, scores and explains it, so its
    peak is the page's work plus the imports.
    """
    import tempfile

    from fdd.schema import write_data_dir
    from fdd.simulate import simulate_fleet

    with tempfile.TemporaryDirectory() as folder:
        write_data_dir(simulate_fleet(n, seed), folder, fmt="csv")
        out = _run(f"""
            import json, resource, time
            from pathlib import Path
            from fdd import upload as up
            from fdd.sequential import SequentialDetector
            folder = Path({str(folder)!r})
            ts, dep = (folder / "timeseries.csv").read_bytes(), (folder / "deployments.csv").read_bytes()
            t = time.perf_counter()
            fleet = up.fleet_from_uploads(ts, dep, timeseries_name="timeseries.csv", deployments_name="deployments.csv")
            scores = up.score_with_models(fleet, SequentialDetector.load_default())
            up.flagged_table(fleet, scores, up.reason_verdict(fleet))
            print(json.dumps({{"seconds": time.perf_counter() - t, "csv_mb": len(ts) / 2**20,
                              "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}}))
        """)
    return out


def warm_rerender(n: int, seed: int) -> dict:
    """Re-render times after widget changes whose results are already cached (n deployments)."""
    return _run(f"""
        import json, statistics, time
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file("streamlit_app.py", default_timeout=1800)
        at.query_params["n"] = "{n}"
        at.query_params["seed"] = "{seed}"
        at.run()
        times = {{}}

        def timed(name, action):
            t = time.perf_counter()
            action()
            times[name] = time.perf_counter() - t
            assert not at.exception, (name, at.exception)

        # Warm every cache this script's widget changes will need.
        at.switch_page("app_pages/results.py").run()
        if any(b.key == "res_measure" for b in at.button):
            at.button(key="res_measure").click().run()
        at.toggle(key="res_kayenta").set_value(False).run()
        at.toggle(key="res_kayenta").set_value(True).run()
        timed("results: Kayenta toggle off", lambda: at.toggle(key="res_kayenta").set_value(False).run())
        timed("results: Kayenta toggle on", lambda: at.toggle(key="res_kayenta").set_value(True).run())
        timed("results: rerun", lambda: at.run())
        at.switch_page("app_pages/unsupervised.py").run()
        timed("unsupervised: magnitude slider", lambda: at.slider(key="uns_magnitude").set_value(0.8).run())
        timed("unsupervised: rollout radio", lambda: at.radio(key="uns_rollout").set_value("canary").run())
        at.switch_page("app_pages/your_data.py").run()
        timed("your data: rerun", lambda: at.run())
        at.switch_page("app_pages/overview.py").run()
        timed("overview: rerun", lambda: at.run())
        values = list(times.values())
        print(json.dumps({{"times": times, "median_s": statistics.median(values), "max_s": max(values)}}))
    """)


def peak_memory(n: int, seed: int) -> dict:
    return _run(f"""
        import json, resource, sys, time
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file("streamlit_app.py", default_timeout=1800)
        at.query_params["n"] = "{n}"
        at.query_params["seed"] = "{seed}"
        t = time.perf_counter()
        at.run()
        pages, problems = {{}}, {{}}
        for page in {list(PAGES)!r}:
            s = time.perf_counter()
            at.switch_page(page).run()
            if any(b.key == "res_measure" for b in at.button):  # Results: measure the slow stages too
                at.button(key="res_measure").click().run()
            pages[page] = time.perf_counter() - s
            if at.exception:  # reported, not fatal: the other pages still count
                problems[page] = at.exception[0].message.splitlines()[-1][:200]
        rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({{"peak_mb": rss_kb / 1024.0, "pages_s": pages, "total_s": time.perf_counter() - t,
                          "torch": "torch" in sys.modules, "problems": problems}}))
    """)


def _row(measure: str, value: float, unit: str, target_key: str | None) -> str:
    target = TARGETS.get(target_key) if target_key else None
    decimals = {"s": 2, "ms": 1}.get(unit, 0)
    shown = f"{value:,.{decimals}f} {unit}"
    if target is None:
        return f"| {measure} | {shown} | | |"
    ok = "yes" if value < target else "NO"
    limit = f"< {target:g} s" if unit == "s" else f"< {target:,.0f} MB"
    return f"| {measure} | {shown} | {limit} | {ok} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="fleet size of the pipeline and memory runs")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--warm-n", type=int, default=2000,
                        help="fleet size of the warm re-render run (default: the app's default fleet)")
    parser.add_argument("--skip-memory", action="store_true", help="skip the (slow) memory runs: every page, and an upload")
    parser.add_argument("--upload-n", type=int, default=16_000,
                        help="deployments in the upload whose peak memory is measured (default: about the most "
                             "the app takes, fdd.schema.APP_MAX_ROWS)")
    args = parser.parse_args(argv)

    print(f"fdd app benchmark: python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    cold = cold_start()
    imports = import_times()
    pipe = pipeline(args.n, args.seed)
    warm = warm_rerender(args.warm_n, args.seed)
    memory = None if args.skip_memory else peak_memory(args.n, args.seed)
    upload = None if args.skip_memory else upload_peak(args.upload_n, args.seed)

    rows = [
        "| measure | value | target | ok |",
        "| --- | --- | --- | --- |",
        _row("cold start: AppTest first page (Overview) run", cold["run_s"], "s", "cold_start_s"),
        _row("cold start: whole fresh process incl. interpreter and imports", cold["process_s"], "s", None),
        f"| cold start: torch imported at start | {'yes' if cold['torch'] else 'no'} | no | "
        f"{'NO' if cold['torch'] else 'yes'} |",
        _row(f"default pipeline: simulate + checks + shipped-model scoring (n={args.n:,})", pipe["total_s"], "s",
             "pipeline_s"),
        _row(f"  simulate {args.n:,}", pipe["simulate_s"], "s", None),
        _row("  checks at 10/20/60 min", pipe["checks_s"], "s", None),
        _row("  load + score with the shipped models", pipe["score_s"], "s", None),
        _row(f"Kayenta-style judge at 60 min (the Unsupervised page's toggle; n={args.n:,})", pipe["judge_s"], "s",
             None),
        _row(f"  per deployment (the app announces {EXPECTED_SECONDS_PER_RUN * 1000:.0f} ms)",
             pipe["judge_s"] / args.n * 1000, "ms", None),
        _row(f"warm re-render after a widget change, worst (n={args.warm_n:,})", warm["max_s"], "s",
             "warm_rerender_s"),
        _row("warm re-render after a widget change, median", warm["median_s"], "s", None),
    ]
    if memory is not None:
        rows.append(_row(f"peak memory: every page with n={args.n:,} (ru_maxrss)", memory["peak_mb"], "MB",
                         "peak_memory_mb"))
        rows.append(_row("  time to open every page once, cold", memory["total_s"], "s", None))
    if upload is not None:
        rows.append(_row(f"upload of {args.upload_n:,} deployments ({upload['csv_mb']:.0f} MB CSV): read, validate, "
                         "score, explain; peak memory of that process", upload["peak_mb"], "MB", None))
        rows.append(_row("  time", upload["seconds"], "s", None))
    print("\n".join(rows))

    print("\nImport time of the modules the app uses (cumulative order, seconds):")
    for name in APP_MODULES:
        print(f"  {name:<24} {imports[name]:6.3f}")
    print(f"  {'(total)':<24} {sum(imports[m] for m in APP_MODULES):6.3f}; torch imported by them: "
          f"{imports['torch_imported']}; heavy modules already imported at the first page: "
          f"{', '.join(cold['heavy_at_start']) or 'none'}")
    print("\nWarm re-renders:")
    for name, seconds in warm["times"].items():
        print(f"  {name:<36} {seconds:6.3f} s")
    if memory is not None:
        print("\nFirst visit of each page (cold caches, n={:,}):".format(args.n))
        for page, seconds in memory["pages_s"].items():
            problem = memory["problems"].get(page)
            print(f"  {page:<32} {seconds:7.2f} s" + (f"  EXCEPTION: {problem}" if problem else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
