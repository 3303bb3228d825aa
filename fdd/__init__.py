"""fdd: faulty deployment detection from per-version telemetry.

Pure Python (no Streamlit): simulate fleets, validate the data contract, run the statistical
checks, the sequential LightGBM models and the weak-supervision label model, and measure them.
"""

__version__ = "0.1.0"
