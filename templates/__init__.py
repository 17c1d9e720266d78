"""The Jinja templates, shipped inside the package as travelmap.templates (see pyproject.toml)."""
