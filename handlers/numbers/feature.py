"""Numbers for staff: /stats, /export and the weekly report with its chart."""

from __future__ import annotations

from handlers.feature import STAFF, Audience, Command, Feature, Job
from handlers.numbers import commands, texts

FEATURE = Feature(
    name="numbers",
    commands=(
        Command(
            "stats", commands.stats_command, allowed=STAFF, menu=Audience.STAFF, description=texts.CMD_STATS
        ),
        Command(
            "export",
            commands.export_command,
            allowed=STAFF,
            menu=Audience.STAFF,
            description=texts.CMD_EXPORT,
        ),
    ),
    jobs=(Job("weekly_report", commands.weekly_report), Job("exports", commands.deliver_exports)),
)
