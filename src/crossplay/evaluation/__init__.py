"""Recommendation evaluation on standard protocols (docs/evaluation.md).

Import public benchmark formats (``formats``), split them by a documented protocol
(``protocols``), prove which rows were used (``fingerprint``), tune on validation only
(``tuning``) and print comparable tables (``runner``, ``tables``).
"""
