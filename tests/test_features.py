"""Each feature's declaration registers what it handles: no command, button or flow answered by nobody."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import handlers
from handlers import texts
from handlers.callbacks import FAMILIES
from handlers.feature import Feature
from handlers.people import texts as people_texts
from handlers.router import BUTTONS, COMMANDS, FEATURES, FLOWS, JOBS, MENU_BUTTONS
from handlers.views import menu_key

PACKAGES = sorted(m.name for m in pkgutil.iter_modules(handlers.__path__) if m.ispkg)


def _feature_of(package: str) -> Feature:
    return importlib.import_module(f"handlers.{package}.feature").FEATURE


@pytest.mark.parametrize("package", PACKAGES)
def test_every_feature_package_is_in_the_router(package: str) -> None:
    assert _feature_of(package) in FEATURES


@pytest.mark.parametrize("package", PACKAGES)
def test_the_router_dispatches_what_the_feature_declares(package: str) -> None:
    feature = _feature_of(package)
    for command in feature.commands:
        assert COMMANDS[command.name] is command
        assert command.menu is None or command.description, f"/{command.name} is listed without words"
    for button in feature.menu_buttons:
        assert MENU_BUTTONS[menu_key(button.label)] is button
    for route in feature.buttons:
        assert BUTTONS[route.data] is route
    for flow in feature.flows:
        assert FLOWS[flow.name] is flow
    assert all(job in JOBS for job in feature.jobs)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_button_family_of_a_package_has_a_handler(package: str) -> None:
    families = [f for f in FAMILIES.values() if f.__module__.startswith(f"handlers.{package}.")]
    assert all(family in BUTTONS for family in families), [f.__name__ for f in families if f not in BUTTONS]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_flow_a_package_starts_is_declared(package: str) -> None:
    """A module that names a FLOW sets conversation state under it; a message in it must reach a handler."""
    for info in pkgutil.iter_modules(importlib.import_module(f"handlers.{package}").__path__):
        module = importlib.import_module(f"handlers.{package}.{info.name}")
        flow = getattr(module, "FLOW", None)
        if isinstance(flow, str):
            assert flow in FLOWS, f"handlers.{package}.{info.name} starts flow {flow!r}, which nobody answers"


def test_every_large_menu_button_is_answered() -> None:
    labels = [label for rows in (texts.MENU_ROWS, texts.ELDER_ROWS) for row in rows for label in row]
    assert [label for label in labels if menu_key(label) not in MENU_BUTTONS] == []


def test_every_command_the_help_mentions_exists() -> None:
    helps = people_texts.HELP_RESIDENT + people_texts.HELP_STAFF + people_texts.HELP_ADMIN
    mentioned = set(re.findall(r"/([a-z_]+)", helps))
    assert mentioned and mentioned <= set(COMMANDS)
