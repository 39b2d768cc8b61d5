"""What the tests and the benchmarks both run: local Jupyter servers, the guide's seeded instance, a
JupyterLab in headless Chromium.

Outside the wheel (only lamin_core and lamin_widgets ship) and outside tests/, so that the benchmarks import
nothing from the tests: a benchmark run as `python benchmarks/x.py` finds `harness` next to it, pytest
through the `pythonpath` of pyproject.toml.
"""
