"""A local helper package of the bundle example (bundled with the recipe)."""
