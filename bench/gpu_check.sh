#!/usr/bin/env bash
# bench/gpu_check.py on a bare GPU machine, where mtickets is not installed: PYTHONPATH=src, and the
# packages the machine lacks from wheels in .whl/ (seqeval is the one a PyTorch + transformers image
# usually lacks: `pip wheel --no-deps -w .whl seqeval==1.2.2` here, then carry .whl along).
#
#   bench/gpu_check.sh OUT.json [bench/gpu_check.py options]     # e.g. --only step,ticket
#
# Stops after GPU_CHECK_TIMEOUT seconds (480, the check's budget); the JSON is rewritten after every
# section, so a stopped run keeps the sections it finished.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: bench/gpu_check.sh OUT.json [options]}
shift
python=${PYTHON:-python3}
if compgen -G ".whl/*.whl" > /dev/null; then
    "$python" -m pip install -q --no-index --no-deps --no-compile --target /tmp/gpu-check-site .whl/*.whl
    export PYTHONPATH=/tmp/gpu-check-site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONPATH=$PWD/src${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
missing=$("$python" - <<'PY'
import importlib.util
needed = ["torch", "transformers", "tokenizers", "safetensors", "numpy", "pandas", "pyarrow", "seqeval", "tqdm",
          "tensorboard", "yaml"]
print(" ".join(name for name in needed if importlib.util.find_spec(name) is None))
PY
)
if [ -n "$missing" ]; then
    echo "gpu_check: missing Python packages: $missing; put their wheels in .whl/ (see this script's header)" >&2
    exit 2
fi
exec timeout "${GPU_CHECK_TIMEOUT:-480}" "$python" bench/gpu_check.py --out "$out" "$@"
