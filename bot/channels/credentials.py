"""The credentials file the Rasa server gets: credentials.yml without the channels that are not configured.

credentials.yml reads every secret from an environment variable (`${NAME}`). Rasa refuses to start when
a referenced variable is unset, so a messaging channel is passed on only when all of its variables are
set. The file written keeps the `${NAME}` placeholders, which Rasa expands from the environment when it
reads them: no secret is ever written to disk.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

CREDENTIALS = Path(__file__).resolve().parents[2] / "credentials.yml"
VARIABLE = re.compile(r"\$\{(\w+)\}")
TOP_LEVEL_KEY = re.compile(r"^([^\s#][^:]*):")


@dataclass
class Channel:
    key: str  # the top-level key in credentials.yml: a built-in name or a module path
    lines: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Short name for messages: `bot.channels.sms.TwilioSmsInput` → `sms`."""
        parts = self.key.split(".")
        return parts[-2] if len(parts) > 2 else self.key

    @property
    def variables(self) -> list[str]:
        return VARIABLE.findall("\n".join(self.lines))


def read_channels(text: str) -> tuple[list[str], list[Channel]]:
    """The file's leading lines and its top-level entries, each with the comment lines just above it."""
    head: list[str] = []
    channels: list[Channel] = []
    pending: list[str] = []  # comments and blank lines that belong to the next entry
    for line in text.splitlines():
        match = TOP_LEVEL_KEY.match(line)
        if match:
            channels.append(Channel(match.group(1).strip(), [*pending, line]))
            pending = []
        elif not line.strip() or line.startswith("#"):
            pending.append(line)
        elif channels:
            channels[-1].lines += [*pending, line]
            pending = []
        else:
            head += [*pending, line]
            pending = []
    if not channels:
        head += pending
    return head, channels


@dataclass
class Selection:
    text: str  # the credentials file to give Rasa
    on: list[str]  # channel names
    incomplete: dict[str, list[str]]  # channel name → names of its unset variables (never values)


def select(env: Mapping[str, str], text: str | None = None) -> Selection:
    """Keep the channels whose variables are all set (a channel without variables is always kept)."""
    head, channels = read_channels(CREDENTIALS.read_text(encoding="utf-8") if text is None else text)
    kept: list[Channel] = []
    incomplete: dict[str, list[str]] = {}
    for channel in channels:
        missing = [name for name in channel.variables if not env.get(name)]
        if not missing:
            kept.append(channel)
        elif len(missing) < len(set(channel.variables)):
            incomplete[channel.name] = missing
    lines = head + [line for channel in kept for line in channel.lines]
    return Selection("\n".join(lines) + "\n", [c.name for c in kept], incomplete)


def write(env: Mapping[str, str], directory: Path, source: Path | None = None) -> tuple[Path, Selection]:
    """Write the selected credentials (from `source`, default the project's credentials.yml) into
    `directory`, readable by the owner only."""
    selection = select(env, source.read_text(encoding="utf-8") if source else None)
    path = directory / "credentials.yml"
    path.touch(mode=0o600)
    path.write_text(selection.text, encoding="utf-8")
    return path, selection


def describe(selection: Selection) -> str:
    """What to print at start: the channels that are on, and those half configured."""
    lines = [f"Channels on: {', '.join(selection.on)}"]
    for name, missing in selection.incomplete.items():
        lines.append(f"Channel {name} is off: set {', '.join(missing)} (docs/CHANNELS.md)")
    return "\n".join(lines)
