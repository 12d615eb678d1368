"""The numbers feature; its declaration is in feature.py."""
