"""The post-deploy checks (pytest-testinfra): run by ``siaga verify`` through :mod:`siaga.verify.runner`."""
