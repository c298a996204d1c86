"""Prompt templates of the LLM plugins, read with importlib.resources."""
