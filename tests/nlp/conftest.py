"""Classifier fixtures shared by the nlp tests."""

from __future__ import annotations

import dataclasses

import pytest

from nlp import Classifier, load_taxonomy


@pytest.fixture(scope="module")
def grammar_only() -> Classifier:
    """The default taxonomy without its learned urgency model: what the grammar alone finds."""
    taxonomy = load_taxonomy()
    return Classifier(
        dataclasses.replace(taxonomy, urgency=dataclasses.replace(taxonomy.urgency, learned=False))
    )
