"""The ``veracity`` command's entry point, and ``python -m veracity``.

It stops on SIGTERM or Ctrl-C with exit status 130 from its first line: the
handler is installed before the command line imports the pipeline (numpy, the
word lists, the plugins: a second or more on a busy machine, during which
Python's default would end the process with -15 or a traceback). Nothing has
finished at that point, so there is nothing to keep; the command replaces the
handler with its own once it runs (finished stories kept, then 130).
"""

from __future__ import annotations

import signal
import sys
import threading

EXIT_INTERRUPTED = 130


def _exit_interrupted(signum: int, frame: object) -> None:
    # Only the standard library is loaded yet: no rich console.
    sys.stderr.write("interrupted before any story finished\n")
    raise SystemExit(EXIT_INTERRUPTED)


def stop_on_signals_while_starting() -> None:
    """Exit 130, without a traceback, on SIGTERM or SIGINT until the command takes over."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_interrupted)
        signal.signal(signal.SIGINT, _exit_interrupted)


def main() -> None:
    """Run the ``veracity`` command line."""
    stop_on_signals_while_starting()
    # Imported only now, with the handler in place: this import is the slow part.
    from veracity.cli.main import main as command

    command()


if __name__ == "__main__":
    main()
