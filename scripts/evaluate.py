"""make eval: NLU evaluation on the held-out set, 5-fold cross-validation, and the crisis check.

Writes reports to results/ (intent and entity reports, confusion matrices) and prints the
figures that docs/EVALUATION.md quotes.

usage: .venv/bin/python scripts/evaluate.py [--skip-cross-validation] [--safety-only]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.cli import RASA, environment, train  # noqa: E402

RESULTS = ROOT / "results"
HELD_OUT = ROOT / "tests" / "nlu_eval" / "test_nlu.yml"
SAFETY = ROOT / "tests" / "safety"
CRISIS_INTENTS = {"crisis", "suicidal"}


def rasa(*args: str) -> None:
    subprocess.run([RASA, *args], cwd=ROOT, env=environment(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def macro_f1(report: Path) -> float:
    return float(json.loads(report.read_text())["macro avg"]["f1-score"])


def entity_f1(folder: Path) -> float | None:
    reports = sorted(folder.glob("*Extractor_report.json"))
    return macro_f1(reports[0]) if reports else None


async def parse_all(model: Path, texts: list[str]) -> list[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [(await agent.parse_message(text))["intent"]["name"] for text in texts]


def safety(model: Path, folder: Path) -> dict[str, object]:
    crisis = yaml.safe_load((folder / "crisis_messages.yml").read_text())["crisis"]
    calm = [m["text"] for m in yaml.safe_load((folder / "non_crisis_messages.yml").read_text())["non_crisis"]]
    texts = [m["text"] for m in crisis]
    intents = asyncio.run(parse_all(model, texts + calm))
    on_crisis, on_calm = intents[: len(texts)], intents[len(texts):]
    missed = [t for t, i in zip(texts, on_crisis, strict=False) if i not in CRISIS_INTENTS]
    # both crisis answers give 988 (utter_crisis has a line for it), so either intent will do
    suicidal_missed = [m["text"] for m, i in zip(crisis, on_crisis, strict=False)
                       if m["kind"] == "suicidal" and i not in CRISIS_INTENTS]
    alarms = [t for t, i in zip(calm, on_calm, strict=False) if i in CRISIS_INTENTS]
    return {
        "crisis_messages": len(texts),
        "crisis_recall": round(1 - len(missed) / len(texts), 4),
        "missed": missed,
        "suicidal_not_routed_to_988": suicidal_missed,
        "non_crisis_messages": len(calm),
        "false_alarm_rate": round(len(alarms) / len(calm), 4),
        "false_alarms": alarms,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-cross-validation", action="store_true")
    parser.add_argument("--safety-only", action="store_true")
    args = parser.parse_args()
    model = train()
    RESULTS.mkdir(exist_ok=True)
    summary: dict[str, object] = {}

    if not args.safety_only:
        held_out = RESULTS / "held_out"
        rasa("test", "nlu", "--nlu", str(HELD_OUT), "--model", str(model), "--out", str(held_out))
        summary["held_out_intent_macro_f1"] = round(macro_f1(held_out / "intent_report.json"), 4)
        summary["held_out_entity_macro_f1"] = entity_f1(held_out)
        if not args.skip_cross_validation:
            folds = RESULTS / "cross_validation"
            rasa("test", "nlu", "--nlu", "data/nlu", "--config", "config.yml", "--cross-validation",
                 "--folds", "5", "--out", str(folds))
            summary["cross_validation_intent_macro_f1"] = round(macro_f1(folds / "intent_report.json"), 4)

    # tests/safety: the set the safety phrases were reviewed against. tests/safety/unseen was written
    # blind but has since been looked at (see docs/EVALUATION.md); tests/safety/unseen2 was written
    # blind by someone who never saw the phrases or the training data, and is not to be tuned on.
    # tests/safety/spanish was written before the Spanish phrases and training examples, which do
    # not copy it.
    sets = {"safety": SAFETY, "safety_unseen": SAFETY / "unseen", "safety_unseen2": SAFETY / "unseen2",
            "safety_spanish": SAFETY / "spanish"}
    for name, folder in sets.items():
        if (folder / "crisis_messages.yml").exists():
            summary[name] = safety(model, folder)
    (RESULTS / "summary.json").write_text(json.dumps(summary, indent=2))
    print("\nEvaluation (details in results/)")
    for key in ("held_out_intent_macro_f1", "held_out_entity_macro_f1", "cross_validation_intent_macro_f1"):
        if key in summary:
            print(f"  {key}: {summary[key]}")
    for name in sets:
        s: dict = summary.get(name)  # type: ignore[assignment]
        if not s:
            continue
        print(f"  {name}: crisis recall {s['crisis_recall']:.1%} of {s['crisis_messages']}, "
              f"false alarms {s['false_alarm_rate']:.1%} of {s['non_crisis_messages']}")
        for text in s["missed"]:
            print(f"    MISSED crisis: {text}")
        for text in s["suicidal_not_routed_to_988"]:
            print(f"    suicidal message without 988: {text}")
        for text in s["false_alarms"]:
            print(f"    false alarm: {text}")


if __name__ == "__main__":
    main()
