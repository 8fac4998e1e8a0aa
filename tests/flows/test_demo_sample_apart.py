"""Issue 19, point 1: `tajian demo` (`make run`) keeps the synthetic sample in its own warehouse,
data/sample.duckdb, never in the user's data/warehouse.duckdb. (The whole demo, run in a temporary
folder, took 73 CPU-s: too much for the suite; tests/e2e/test_pipeline.py runs the same pipeline
on the sample and checks its 100 seeds.)"""

from __future__ import annotations

from flows.cli import app
from flows.console import SAMPLE_WAREHOUSE
from flows.settings import load_settings


def test_the_sample_warehouse_is_not_the_users_default():
    assert SAMPLE_WAREHOUSE.name == "sample.duckdb"
    assert SAMPLE_WAREHOUSE.resolve() != load_settings(env={}, config_path=None).warehouse.resolve()


def test_demo_defaults_to_the_sample_warehouse():
    import typer.main

    demo = typer.main.get_command(app).commands["demo"]
    default = next(p.default for p in demo.params if p.name == "warehouse")
    assert str(default) == str(SAMPLE_WAREHOUSE)
