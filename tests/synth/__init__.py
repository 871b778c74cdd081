"""Tests of the synthetic world generator (crossplay.synth)."""
