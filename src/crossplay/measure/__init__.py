"""Measurement: experiments, funnels, retention, the seeds' KPIs, campaign ROI, uplift.

Statistics are pure functions over summary statistics (``summary``, ``effects``,
``sequential``, ``bayes``, ``corrections``, ``srm``, ``power``); ``analysis`` assembles an
experiment's read-out from them.
"""
