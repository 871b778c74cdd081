"""Ingest: read partner exports, map, validate, pseudonymise, dedupe, land in the lake."""
