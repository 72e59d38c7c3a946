#!/usr/bin/env bash
# Train models/current.tar.gz when the training data, domain, config or custom NLU code changed.
set -euo pipefail
cd "$(dirname "$0")/.."
inputs=(config.yml domain.yml nlu_data bot knowledge/text requirements.lock)
fingerprint=$(find "${inputs[@]}" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ -f models/current.tar.gz ] && [ "$(cat models/.fingerprint 2>/dev/null)" = "$fingerprint" ]; then
  echo "Model is up to date (models/current.tar.gz)."
  exit 0
fi
echo "Training the model (data or config changed)..."
.venv/bin/rasa train --config config.yml --domain domain.yml --data nlu_data \
  --out models --fixed-model-name current --quiet
echo "$fingerprint" > models/.fingerprint
