"""The reports feature; its declaration is in feature.py."""
