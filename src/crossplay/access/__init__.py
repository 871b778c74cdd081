"""Access to crossplay's network faces: partner API keys, rate limits, HTTP limits.

- :mod:`crossplay.access.apikeys`: the key model (create, list, revoke, authenticate);
- :mod:`crossplay.access.ratelimit`: per-key session limits (how many, how often);
- :mod:`crossplay.access.http`: what every HTTP face shares — bearer authentication,
  bounded request bodies at the ASGI level and problem+json error bodies.
"""
