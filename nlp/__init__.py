"""Linli's language tools: keyword classification of resident reports, taxonomies, duplicate detection.

Nothing here imports the bot, Telegram libraries or storage; see ``nlp.cli`` for the staff tools.
"""

from __future__ import annotations

from nlp.classifier import Classifier, load_classifier, load_default_classifier
from nlp.location import Location, extract_location
from nlp.normalize import normalize
from nlp.result import Classification, Match
from nlp.similarity import DUPLICATE_THRESHOLD, ReportTerms, report_terms, similarity, terms_similarity
from nlp.taxonomy import Category, Taxonomy, TaxonomyError, load_taxonomy

__all__ = [
    "DUPLICATE_THRESHOLD",
    "Category",
    "Classification",
    "Classifier",
    "Location",
    "Match",
    "ReportTerms",
    "Taxonomy",
    "TaxonomyError",
    "extract_location",
    "load_classifier",
    "load_default_classifier",
    "load_taxonomy",
    "normalize",
    "report_terms",
    "similarity",
    "terms_similarity",
]
