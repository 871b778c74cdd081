"""The HTTP API both partners' systems call: ``crossplay serve`` (FastAPI on uvicorn).

One app, built by :func:`crossplay.api.app.create_app` from typed settings (nothing is
created at import time). Every operation is a thin route over the Python API the CLI
already calls (the service layer); routes parse, authorise (:mod:`crossplay.api.auth`)
and call it, and hold no business logic. See docs/api.md.
"""
