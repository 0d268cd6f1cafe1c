"""Jinja2 templates and the stylesheet of kabar serve (package data)."""
