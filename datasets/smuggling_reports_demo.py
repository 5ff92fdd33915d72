"""Seeded demo input for smuggling fees: reports in the UNODC VRS-MSRC layout, and rates.

Each report has a reporting State, a date, a route, a means of transport and the fee paid per
journey in the currency of payment (some fees are missing, as in real reports; some are paid
in a currency for which no rate is supplied). Monthly exchange rates, dated the first of the
month, convert them to US dollars. Fee levels per route follow the orders of magnitude in
UNODC's Global Study on Smuggling of Migrants 2018; the figures are generated, not real.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# route -> (reporting State, origin, destination, transports, median fee in USD, currencies)
ROUTES = {
    "Central Mediterranean": ("ITA", "LBY", "ITA", ("sea",), 2_500, ("USD", "EUR", "LYD")),
    "Eastern Mediterranean": ("GRC", "TUR", "GRC", ("sea", "land"), 1_800, ("EUR", "TRY")),
    "Western Balkans": ("HUN", "SRB", "AUT", ("land",), 1_500, ("EUR",)),
    "Mexico-United States": ("USA", "MEX", "USA", ("land", "mixed"), 6_000, ("USD", "MXN")),
    "Horn of Africa-Yemen": ("YEM", "ETH", "SAU", ("sea", "land"), 600, ("USD", "SDG")),
    "Air to Western Europe": ("NLD", "NGA", "NLD", ("air",), 9_000, ("EUR", "USD")),
}
# currency -> units per USD (start level, monthly drift)
RATES = {"EUR": (0.92, 0.002), "LYD": (4.80, 0.01), "TRY": (18.5, 0.03), "MXN": (19.5, -0.004)}


def generate(seed: int = 0, reports: int = 600) -> dict[str, pd.DataFrame]:
    """Return ``{"reports": ..., "exchange_rates": ...}`` for 2022-2023."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2022-01-01", "2023-12-01", freq="MS")
    rate_rows = []
    for code, (level, drift) in RATES.items():
        value = level
        for month in months:
            value *= 1 + drift + rng.normal(0, 0.01)
            rate_rows.append(
                {
                    "currency": code,
                    "base": "USD",
                    "date": month.strftime("%Y-%m-%d"),
                    "rate": round(value, 4),
                }
            )
    rates = pd.DataFrame(rate_rows)
    lookup = {(r.currency, r.date[:7]): r.rate for r in rates.itertuples()}

    names = list(ROUTES)
    rows = []
    for i in range(reports):
        route = names[rng.integers(len(names))]
        reporter, origin, dest, transports, median_usd, currencies = ROUTES[route]
        day = pd.Timestamp("2022-01-01") + pd.Timedelta(days=int(rng.integers(0, 730)))
        code = currencies[rng.integers(len(currencies))]
        persons = 1 if rng.random() < 0.85 else int(rng.integers(2, 6))
        usd = median_usd * rng.lognormal(0.0, 0.45) * persons
        rate = 1.0 if code in ("USD", "SDG") else lookup[(code, day.strftime("%Y-%m"))]
        fee = round(usd * (600.0 if code == "SDG" else rate), -1)
        rows.append(
            {
                "report_id": f"VRS-{i + 1:05d}",
                "ref_area": reporter,
                "time_period": day.year,
                "date": day.strftime("%Y-%m-%d"),
                "route": route,
                "transport": transports[rng.integers(len(transports))],
                "fee": np.nan if rng.random() < 0.08 else fee,
                "currency": code,
                "persons": persons,
                "origin": origin,
                "destination": dest,
            }
        )
    return {"reports": pd.DataFrame(rows), "exchange_rates": rates}
