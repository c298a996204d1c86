"""``python -m veracity.llm.serve MODEL.gguf``: serve a GGUF model on 127.0.0.1 until Ctrl-C.

Prints the two environment variables that point veracity (or a cassette
recording) at it. Needs the optional extra ``veracity[local]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .errors import LocalServerError
from .local_server import LocalServer


def main(argv: list[str] | None = None) -> int:
    """Serve a GGUF model on 127.0.0.1 until interrupted; the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m veracity.llm.serve",
        description="Serve a GGUF model with llama.cpp on 127.0.0.1 (OpenAI-compatible API).",
    )
    parser.add_argument("model", type=Path, help="the .gguf model file")
    parser.add_argument("--port", type=int, default=None, help="port (default: a free one)")
    parser.add_argument("--alias", default=None, help="model name (default: the file name)")
    parser.add_argument("--ctx", type=int, default=4096, help="context window in tokens")
    parser.add_argument("--verbose", action="store_true", help="show llama.cpp's log")
    args = parser.parse_args(argv)
    server = LocalServer(
        args.model, alias=args.alias, port=args.port, n_ctx=args.ctx, verbose=args.verbose
    )
    try:
        server.start()
    except LocalServerError as exc:
        parser.exit(1, f"error: {exc}\n")
    print(f"VERACITY_BASE_URL={server.base_url}", flush=True)
    print(f"VERACITY_MODEL={server.model}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
