"""The tickets feature; its declaration is in feature.py."""
