"""The plugin machinery and the pipeline that runs it.

The hook specifications (the contract every plugin implements), the plugin manager
that loads built-in and installed plugins, the options plugins declare, the stage
context handed to every hook, and :class:`~veracity.pipeline.runner.Pipeline`, which
runs a story through load, summarize, extract claims, cross-check, score and render.
It may import every layer below (:mod:`veracity.llm`, :mod:`veracity.scoring`,
:mod:`veracity.comparison`, :mod:`veracity.inputs`, :mod:`veracity.text`); it never
imports the built-in plugins (they are loaded by name) nor the command line.
"""

from veracity.pipeline.runner import Pipeline, make_story

__all__ = ["Pipeline", "make_story"]
