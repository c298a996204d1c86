"""Inputs: finding the stories in the paths a user gives, and decoding their files.

Which paths are stories (a folder of articles, a folder of folders, a JSONL file,
standard input) and how a file's bytes become text (encodings, size limits, binary
files refused). It knows nothing of what the text says. It imports only
:mod:`veracity.errors`, :mod:`veracity.models` and :mod:`veracity.settings`, so the
pipeline below the command line can read paths too.
"""
