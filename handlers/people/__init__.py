"""The people feature; its declaration is in feature.py."""
