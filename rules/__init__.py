"""Rule files (the YAML beside this module) and the engine that loads and evaluates them."""
