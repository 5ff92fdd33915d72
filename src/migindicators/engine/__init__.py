"""The estimation engine: survey designs, the additive tabulation kernel, estimators and their
variances (Taylor linearisation, replicate weights), and the census pass.

Uses :mod:`migindicators.core` and :mod:`migindicators.io` only; the indicator families build on it.
The user-facing entry point for design-based estimation is :mod:`migindicators.survey`.
"""
