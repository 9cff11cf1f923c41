"""One module per ``siaga`` command; each defines ``register(app)``."""
