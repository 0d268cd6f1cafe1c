"""Package data: Jinja2 templates (kept a package so `pip install .` ships them)."""
