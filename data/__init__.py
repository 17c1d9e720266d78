"""The demo trip (trip.toml, GPX tracks, photos), shipped inside the package as travelmap.demo (see pyproject.toml)."""
