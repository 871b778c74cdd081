"""Settings, errors, shared types and messages used by every other part."""
