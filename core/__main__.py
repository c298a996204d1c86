"""The ``veracity`` command's entry point, and ``python -m veracity``.

It stops on SIGTERM or Ctrl-C with exit status 130 from its first line: the
handler is installed before the command line imports the pipeline (numpy, the
word lists, the plugins: a second or more on a busy machine, during which
Python's default would end the process with -15 or a traceback). Nothing has
finished at that point, so there is nothing to keep; the command replaces the
handler with its own once it runs (finished stories kept, then 130).
"""

from __future__ import annotations

import atexit
import os
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

    try:
        command()
    except SystemExit as done:
        exit_without_teardown(done)
        raise
    exit_without_teardown(SystemExit(0))


def exit_without_teardown(done: SystemExit) -> None:
    """End the process now with ``done``'s status, once the output is flushed and the exit
    handlers have run, without the interpreter's teardown.

    Tearing down a run's heap (its caches, models and reports: hundreds of thousands of
    objects) takes a fifth of a second after the last report is written, during which the
    user waits and a signal can still kill the process with -15. Returns (and the caller
    exits as usual) when that is not safe: a status that is not a number, a thread that
    is not a daemon still running, or output that cannot be flushed.
    """
    status = 0 if done.code is None else done.code
    if not isinstance(status, int):
        return
    main = threading.main_thread()
    if any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate()):
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(status)


if __name__ == "__main__":
    main()
