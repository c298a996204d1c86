"""``python -m veracity``: the same as the ``veracity`` command."""

from .cli import main

main()
