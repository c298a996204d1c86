"""The command line: ``veracity run``, ``plugins``, ``schema``, and what only it needs.

Argument parsing, the endpoint it opens from flags and environment, the batch output
folder (atomic writes, ``run.jsonl``, resume) and the live progress display. This is
the top layer, beside the Python API (:mod:`veracity.api`) and
:mod:`veracity.testing`: it may import every layer, and nothing imports it.
"""

from veracity.cli.main import main

__all__ = ["main"]
