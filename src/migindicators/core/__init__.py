"""Infrastructure every layer uses: the registry, :class:`Result`, errors, units, flags, the
row ledger, provenance, country and region code lists, quality rules, age groups and the
shared steps of ratio indicators.

Nothing here imports the engine, the readers, the publishers or an indicator family.
"""
