"""The owners' vote's button family. Its prefix and field order never change (see handlers/callbacks)."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.callbacks import ButtonData, button


@button("ow")
@dataclass(frozen=True)
class OwnerChoice(ButtonData):
    """同意 / 反对 / 弃权 on an owners' vote: `choice` is yes, no or abstain."""

    vote: int
    choice: str
