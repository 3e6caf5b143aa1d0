#!/usr/bin/env bash
# Re-creates the demo project's codings (coding/alice.* and coding/bob.*) from scratch
# with the scriptable CLI. Run from the repository root: bash examples/demo-coding.sh
set -euo pipefail
cd "$(dirname "$0")/.."
gloss() { cargo run --quiet --release -- "$@"; }
rm -f coding/alice.* coding/bob.*

for coder in alice bob; do
    gloss --coder "$coder" code --batch "examples/demo-coding/$coder.jsonl" >/dev/null
done

# Instrument records on issues (one record per defect), as two raters would.
gloss --coder alice record 'issues/visionlab/detectkit#412' --set reengineering=yes --set framework=pytorch \
    --set stage=environment --set impact=crash --set root-cause=rc-api --set manifestation=basic \
    --evidence-turn 1 --evidence-quote "torch.load"
gloss --coder bob record 'issues/visionlab/detectkit#412' --set reengineering=yes --set framework=pytorch \
    --set stage=environment --set impact=crash --set root-cause=rc-api --set manifestation=basic
gloss --coder alice record 'issues/visionlab/detectkit#436' --set reengineering=yes --set stage=training \
    --set impact="numerical instability" --set root-cause=rc-hyperparameters --set manifestation=evolutionary
gloss --coder bob record 'issues/visionlab/detectkit#436' --set reengineering=yes --set stage=training \
    --set impact="numerical instability" --set root-cause=rc-optimizer --set manifestation=evolutionary
gloss --coder alice record 'issues/visionlab/detectkit#451' --set reengineering=yes --set stage=training \
    --set impact="lower accuracy" --set manifestation=reproducibility --set root-cause=rc-evaluation
gloss --coder alice record 'issues/pixelwise/segnet-lite#23' --set reengineering=yes --set stage="data pipeline" \
    --set impact=crash --set root-cause=rc-data-preprocessing --set manifestation=basic
gloss --coder alice record 'issues/pixelwise/segnet-lite#31' --set stage=training --set impact=hang \
    --set root-cause=rc-gpu-usage --set manifestation=basic
gloss --coder alice record 'issues/pixelwise/segnet-lite#31' --new --set stage=environment --set impact="lower speed"
gloss --coder alice record 'issues/pixelwise/segnet-lite#38' --exclude "documentation request, not a defect"

for doc in transcripts/leader1 'issues/visionlab/detectkit#412' 'issues/visionlab/detectkit#436'; do
    gloss --coder alice mark "$doc" done
done
gloss --coder bob mark 'issues/visionlab/detectkit#412' done
gloss --coder alice memo --code performance-debugging "Includes speed gaps, not only accuracy; see leader1 turn 12."
gloss --coder alice memo --doc transcripts/leader1 "Strong on process; the team keeps a differences log."
gloss --coder alice compact >/dev/null
gloss --coder bob compact >/dev/null
gloss status
