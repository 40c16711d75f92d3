"""make eval: NLU evaluation on the held-out set, 5-fold cross-validation, the crisis check and the
answer-retrieval benchmark.

Writes reports to results/ (intent and entity reports, confusion matrices, results/retrieval.json)
and prints the figures that docs/EVALUATION.md quotes.

usage: .venv/bin/python scripts/evaluate.py [--skip-cross-validation] [--safety-only] [--retrieval-only]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.cli import RASA, environment, train  # noqa: E402
from knowledge.dialogue_names import CRISIS_INTENTS  # noqa: E402

RESULTS = ROOT / "results"
HELD_OUT = ROOT / "tests" / "nlu_eval" / "test_nlu.yml"
SAFETY = ROOT / "tests" / "safety"
# The first set was used to choose the ranking's weights (docs/EVALUATION.md); the blind set was
# written by someone who saw neither the phrasings nor the engine, and measures it honestly.
RETRIEVAL_SETS = {"retrieval": ROOT / "tests" / "retrieval_eval" / "questions.yml",
                  "retrieval_blind": ROOT / "tests" / "retrieval_eval" / "blind_questions.yml"}
RETRIEVAL_TARGETS = {"top1": 0.90, "top3": 0.97}  # issue 20


def rasa(*args: str) -> None:
    subprocess.run([RASA, *args], cwd=ROOT, env=environment(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def macro_f1(report: Path) -> float:
    return float(json.loads(report.read_text())["macro avg"]["f1-score"])


def entity_f1(folder: Path) -> float | None:
    reports = sorted(folder.glob("*Extractor_report.json"))
    return macro_f1(reports[0]) if reports else None


async def parse_messages(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # unconfigured, rasa prints every parse
    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


async def parse_all(model: Path, texts: list[str]) -> list[str]:
    return [parsed["intent"]["name"] for parsed in await parse_messages(model, texts)]


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


def first_actions() -> dict[str, str]:
    """intent -> the first custom action its rule runs, for rules that hold in any state (data/rules/):
    a crisis rule's domain response comes first, then the action that answers what else was asked."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "data" / "rules").glob("*.yml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules", []):
            steps = rule.get("steps", [])
            if "condition" in rule or len(steps) < 2 or "intent" not in steps[0]:
                continue
            custom = [s["action"] for s in steps[1:] if str(s.get("action", "")).startswith("action_")]
            if custom:
                found.setdefault(steps[0]["intent"], custom[0])
    return found


def reply_to(parsed: dict[str, Any], run: Any, domain: dict[str, Any]) -> list[dict[str, Any]]:
    """What the action server sends back for a first message: the custom action the rules run, with
    a tracker holding the parse result (as tests/actions/conftest.py builds one); [] for a response."""
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    if run is None:
        return []
    dispatcher = CollectingDispatcher()
    run(dispatcher, Tracker("retrieval-eval", {}, parsed, [], False, None, {}, "action_listen"), domain)
    return dispatcher.messages


def answers_in(messages: list[dict[str, Any]], answers: list[Any]) -> tuple[list[str], list[str]]:
    """The answers a reply shows, in reading order (an answer opens with its summary), and those it
    offers as buttons (by title, or by key in the payload)."""
    text = "\n".join(m.get("text") or "" for m in messages)
    shown = sorted((a for a in answers if a.summary in text), key=lambda a: text.index(a.summary))
    offered = []
    for button in (b for m in messages for b in m.get("buttons") or []):
        title, payload = button.get("title"), button.get("payload", "")
        offered += [a.key for a in answers if title == a.title or f'"{a.key}"' in payload][:1]
    return [a.key for a in shown], offered


def retrieval(model: Path, path: Path) -> dict[str, object]:
    """Each held-out question through what a user meets: the model's NLU, the rule's action, the
    answer it shows. top-1: the answer shown. top-3: the shown answer, then the answers offered as
    buttons, then the knowledge base's full-text ranking of answers (the engine exposes no ranking
    as the engine ranks them for the message's intent and entities), first three distinct keys.
    Clarifying: no answer shown and the reply asks back."""
    from rasa_sdk.executor import ActionExecutor

    from actions.answers import INTENT_TOPICS
    from actions.repository import knowledge_base
    from knowledge.content import ANSWER_TOPICS

    questions = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    parses = asyncio.run(parse_messages(model, [q["text"] for q in questions]))
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    executor = ActionExecutor()
    executor.register_package("actions")
    actions = first_actions()
    kb = knowledge_base()
    answers = kb.answers(*ANSWER_TOPICS)
    topic_of = {a.key: a.topic for a in answers}
    top1 = top3 = clarifying = ranked_first = 0
    misses = []
    for question, parsed in zip(questions, parses, strict=True):
        intent = parsed["intent"]["name"]
        action = actions.get(intent)
        messages = reply_to(parsed, executor.actions.get(action or ""), domain)
        text = "\n".join(m.get("text") or "" for m in messages)
        shown, offered = answers_in(messages, answers)
        asks_back = not shown and (intent == "nlu_fallback" or text.rstrip().endswith("?"))
        topics = [e["value"] for e in parsed.get("entities", []) if e["entity"] == "topic"]
        ranked = [r.answer.key for r in kb.rank_answers(question["text"], INTENT_TOPICS.get(intent, ()), topics)[:3]]
        candidates = list(dict.fromkeys(k for k in [*shown[:1], *offered, *ranked] if k))[:3]
        right = {question["expect"], *question.get("also", [])}
        ranked_first += bool(ranked and ranked[0] in right)
        top1 += bool(shown[:1] and shown[0] in right)
        top3 += bool(right & set(candidates))
        clarifying += asks_back
        if not (shown[:1] and shown[0] in right):
            misses.append({"question": question["text"], "by": question["by"], "expected": question["expect"],
                           "topic": topic_of[question["expect"]], "also": question.get("also", []),
                           "got": shown[0] if shown else None, "top3": candidates, "intent": intent,
                           "action": action, "asked_back": asks_back, "reply": text[:200]})
    n = len(questions)
    asked = Counter(topic_of[q["expect"]] for q in questions)
    missed = Counter(m["topic"] for m in misses)
    return {"questions": n, "top1_accuracy": round(top1 / n, 4), "top3_accuracy": round(top3 / n, 4),
            "clarifying_rate": round(clarifying / n, 4), "targets": RETRIEVAL_TARGETS,
            # the engine's ranking alone, whatever the intent's rule does with the message
            "ranking_top1_accuracy": round(ranked_first / n, 4),
            "misses_by_intent": dict(Counter(m["intent"] for m in misses).most_common()),
            "misses_by_topic": {t: [missed[t], asked[t]] for t, _ in missed.most_common()}, "misses": misses}


def print_retrieval(found: dict[str, Any], path: Path) -> None:
    n = found["questions"]
    print(f"\nAnswer retrieval, {n} held-out questions of {path.name} (misses in results/)")
    for name, target in found["targets"].items():
        print(f"  {name} accuracy: {found[f'{name}_accuracy']:.1%} (target {target:.0%})")
    print(f"  clarifying questions: {found['clarifying_rate']:.1%}")
    print(f"  the ranking alone, first answer right: {found['ranking_top1_accuracy']:.1%}")
    print(f"  top-1 misses by the message's intent: {found['misses_by_intent']}")
    for topic, (missed, asked) in found["misses_by_topic"].items():
        print(f"  top-1 misses on {topic}: {missed} of {asked}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-cross-validation", action="store_true")
    parser.add_argument("--safety-only", action="store_true")
    parser.add_argument("--retrieval-only", action="store_true")
    args = parser.parse_args()
    model = train()
    RESULTS.mkdir(exist_ok=True)
    if not args.safety_only:
        for name, path in RETRIEVAL_SETS.items():
            found = retrieval(model, path)
            (RESULTS / f"{name}.json").write_text(json.dumps(found, indent=2))
            print_retrieval(found, path)
    if args.retrieval_only:
        return
    summary: dict[str, Any] = {}  # figures, and each safety set's results

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
        s: dict[str, Any] | None = summary.get(name)
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
