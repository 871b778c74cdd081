"""The ``crossplay`` command line (Typer + Rich)."""
