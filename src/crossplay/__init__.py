"""crossplay: co-marketing for a paid-knowledge platform and a game / streaming platform."""

__version__ = "0.1.0"
