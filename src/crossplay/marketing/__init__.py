"""Precision marketing: audiences over joint profiles, and consented exports to partners.

See docs/marketing.md. The public surface is :mod:`crossplay.marketing.service`; the
language is :mod:`crossplay.marketing.expr` (parser) and
:mod:`crossplay.marketing.compile` (to parameterised SQL).
"""
