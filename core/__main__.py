"""``python -m veracity``: the same as the ``veracity`` command."""

from veracity.cli.main import main

main()
