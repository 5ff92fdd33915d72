"""Seeded demo of World Bank Remittance Prices Worldwide (RPW) data, in the RPW layout.

:func:`rpw_layout` builds a table with the RPW workbook's own column names (``cc1``/``cc2``
blocks for USD 200 and USD 500, ``..`` for not classified, periods like ``2023_1Q``):
several corridors, eight quarters, banks, money transfer operators, post offices, mobile
operators and non-bank financial institutions, some services that do not disclose their
exchange rate. :func:`write_workbook` writes it as an ``.xlsx`` file (needs the ``excel``
extra) that :func:`migindicators.io.read_rpw` reads back; :func:`generate` returns the
frames the demo jobs use. Costs are generated, not real; their shape (banks dearest, mobile
cheapest, fees falling over time) follows RPW reports.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from migindicators.io.rpw import rpw_to_standard

# sending, receiving, send currency, receive-currency units per send unit, send units per USD
CORRIDORS = (
    ("USA", "MEX", "USD", 17.1, 1.0),
    ("USA", "GTM", "USD", 7.8, 1.0),
    ("USA", "PHL", "USD", 56.0, 1.0),
    ("GBR", "NGA", "GBP", 1150.0, 0.79),
    ("GBR", "IND", "GBP", 104.0, 0.79),
    ("ARE", "IND", "AED", 22.6, 3.67),
    ("ARE", "PAK", "AED", 76.0, 3.67),
    ("DEU", "TUR", "EUR", 31.0, 0.92),
    ("FRA", "SEN", "EUR", 655.96, 0.92),
    ("ZAF", "ZWE", "ZAR", 0.053, 18.5),
    ("TZA", "KEN", "TZS", 0.061, 2500.0),
    ("KEN", "UGA", "KES", 28.5, 130.0),
)
NAMES = {
    "USA": "United States",
    "MEX": "Mexico",
    "GTM": "Guatemala",
    "PHL": "Philippines",
    "GBR": "United Kingdom",
    "NGA": "Nigeria",
    "IND": "India",
    "ARE": "United Arab Emirates",
    "PAK": "Pakistan",
    "DEU": "Germany",
    "TUR": "Turkey",
    "FRA": "France",
    "SEN": "Senegal",
    "ZAF": "South Africa",
    "ZWE": "Zimbabwe",
    "TZA": "Tanzania",
    "KEN": "Kenya",
    "UGA": "Uganda",
}
WB_REGION = {
    "USA": "North America",
    "MEX": "Latin America & Caribbean",
    "GTM": "Latin America & Caribbean",
    "PHL": "East Asia & Pacific",
    "GBR": "Europe & Central Asia",
    "NGA": "Sub-Saharan Africa",
    "IND": "South Asia",
    "ARE": "Middle East & North Africa",
    "PAK": "South Asia",
    "DEU": "Europe & Central Asia",
    "TUR": "Europe & Central Asia",
    "FRA": "Europe & Central Asia",
    "SEN": "Sub-Saharan Africa",
    "ZAF": "Sub-Saharan Africa",
    "ZWE": "Sub-Saharan Africa",
    "TZA": "Sub-Saharan Africa",
    "KEN": "Sub-Saharan Africa",
    "UGA": "Sub-Saharan Africa",
}
INCOME = {
    "USA": "High income",
    "GBR": "High income",
    "ARE": "High income",
    "DEU": "High income",
    "FRA": "High income",
    "ZAF": "Upper middle income",
    "MEX": "Upper middle income",
    "TUR": "Upper middle income",
    "GTM": "Upper middle income",
    "PHL": "Lower middle income",
    "NGA": "Lower middle income",
    "IND": "Lower middle income",
    "PAK": "Lower middle income",
    "SEN": "Lower middle income",
    "ZWE": "Lower middle income",
    "TZA": "Lower middle income",
    "KEN": "Lower middle income",
    "UGA": "Low income",
}
# firm type -> (mean fee % of USD 200, mean FX margin %, speeds, pickups)
FIRM_TYPES = {
    "Bank": (7.0, 3.5, ("2 days", "3-5 days", "6 days or more"), ("Bank Account",)),
    "Money Transfer Operator": (
        3.5,
        2.0,
        ("Less than one hour", "Same day", "Next day"),
        ("Cash", "Bank Account"),
    ),
    "Post office": (4.5, 2.5, ("Next day", "2 days", "3-5 days"), ("Cash",)),
    "Mobile Operator": (1.8, 1.2, ("Less than one hour",), ("Mobile Wallet",)),
    "Non-Bank FI": (4.0, 2.2, ("Same day", "Next day", "3-5 days"), ("Cash", "Bank Account")),
}
PAYMENT = ("Cash", "Bank Account", "Debit/Credit Card", "Online", "..")
G20 = ("USA", "GBR", "DEU", "FRA", "ZAF", "MEX", "IND", "TUR")
SHORT = {
    "Bank": "Bank",
    "Money Transfer Operator": "Transfer",
    "Post office": "Post",
    "Mobile Operator": "Mobile",
    "Non-Bank FI": "Credit Union",
}
QUARTERS = tuple(f"{y}_{q}Q" for y in (2023, 2024) for q in (1, 2, 3, 4))
FIRMS_PER_CORRIDOR = 9


def _pick(labels: tuple[str, ...], codes: np.ndarray) -> pd.Categorical:
    """Row i gets ``labels[codes[i]]``, as a categorical (labels may repeat)."""
    unique = list(dict.fromkeys(labels))
    position = np.array([unique.index(label) for label in labels])
    return pd.Categorical.from_codes(position[codes], categories=unique)


def rpw_layout(seed: int = 0, rows: int | None = None) -> pd.DataFrame:
    """An RPW-layout table (the workbook's column names and codes).

    Parameters
    ----------
    seed : int
        Random seed (same seed, same table).
    rows : int, optional
        Number of rows, drawn at random over corridor x quarter x firm (for benchmarks);
        by default every firm of every corridor in every quarter (864 rows).
    """
    rng = np.random.default_rng(seed)
    n_corr, n_q, n_f = len(CORRIDORS), len(QUARTERS), FIRMS_PER_CORRIDOR
    if rows is None:
        grid = np.indices((n_corr, n_q, n_f)).reshape(3, -1)
        corr, quarter, firm = grid[0], grid[1], grid[2]
    else:
        corr = rng.integers(0, n_corr, rows)
        quarter = rng.integers(0, n_q, rows)
        firm = rng.integers(0, n_f, rows)
    n = corr.size
    types = list(FIRM_TYPES)
    # each corridor's firm k has a fixed type (mobile operators only in some corridors)
    firm_type_of = rng.integers(0, len(types), (n_corr, n_f))
    ftype = firm_type_of[corr, firm]
    fee_mean = np.array([FIRM_TYPES[t][0] for t in types])[ftype]
    margin_mean = np.array([FIRM_TYPES[t][1] for t in types])[ftype]
    trend = 1.0 - 0.025 * quarter  # costs drift down over the quarters
    firm_level = rng.gamma(6.0, 1 / 6.0, (n_corr, n_f))[corr, firm]
    fee_pct = np.maximum(0.0, fee_mean * trend * firm_level * rng.normal(1, 0.05, n))
    margin_pct = margin_mean * trend * rng.normal(1, 0.25, n)  # a few negative margins
    send_cur = np.array([c[2] for c in CORRIDORS])
    interbank = np.array([c[3] for c in CORRIDORS])[corr]
    per_usd = np.array([c[4] for c in CORRIDORS])[corr]
    fx_rate = np.round(interbank * (1 - margin_pct / 100), 6)
    margin = np.round(100 * (interbank - fx_rate) / interbank, 2)
    speeds = sorted({s for t in FIRM_TYPES.values() for s in t[2]})
    pickups = sorted({p for t in FIRM_TYPES.values() for p in t[3]})
    speed_idx = np.array([speeds.index(FIRM_TYPES[types[t]][2][0]) for t in range(len(types))])
    speed = np.where(rng.random(n) < 0.7, speed_idx[ftype], rng.integers(0, len(speeds), n))
    pickup_idx = np.array([pickups.index(FIRM_TYPES[types[t]][3][-1]) for t in range(len(types))])
    out: dict[str, object] = {"id": np.arange(100_000, 100_000 + n)}
    out["period"] = _pick(QUARTERS, quarter)
    for side, idx in (("source", 0), ("destination", 1)):
        codes = [c[idx] for c in CORRIDORS]
        out[f"{side}_code"] = _pick(tuple(codes), corr)
        out[f"{side}_name"] = _pick(tuple(NAMES[c] for c in codes), corr)
        out[f"{side}_region"] = _pick(tuple(WB_REGION[c] for c in codes), corr)
        out[f"{side}_income"] = _pick(tuple(INCOME[c] for c in codes), corr)
        out[f"{side}_lending"] = _pick(("..",) * len(codes), corr)
        out[f"{side}_G8G20"] = _pick(tuple("G20" if c in G20 else ".." for c in codes), corr)
    firm_labels = tuple(
        f"{SHORT[types[firm_type_of[c, k]]]} {k + 1} ({s}-{r})"
        for c, (s, r, *_) in enumerate(CORRIDORS)
        for k in range(n_f)
    )
    out["firm"] = _pick(firm_labels, corr * n_f + firm)
    out["firm_type"] = _pick(tuple(types), ftype)
    out["access point"] = _pick(("Branch", "Agent", "Online", ".."), rng.integers(0, 4, n))
    out["speed actual"] = _pick(tuple(speeds), speed)
    for block, usd in (("cc1", 200.0), ("cc2", 500.0)):
        amount = np.round(usd * per_usd, 2)
        fee_b = np.round(fee_pct * (200.0 / usd) ** 0.6 / 100 * amount, 2)
        out[f"{block} lcu amount"] = amount
        out[f"{block} denomination amount"] = usd
        out[f"{block} lcu code"] = _pick(tuple(send_cur), corr)
        out[f"{block} lcu fee"] = fee_b
        out[f"{block} lcu fx rate"] = fx_rate
        out[f"{block} fx margin"] = margin
        out[f"{block} total cost %"] = np.round(100 * fee_b / amount + margin, 2)
    out["inter lcu bank fx"] = interbank
    out["transparent"] = _pick(("yes", "no"), (rng.random(n) < 0.1).astype(np.int8))
    out["receiving network coverage"] = _pick(
        ("Nationwide", "Major cities", ".."), rng.integers(0, 3, n)
    )
    out["pickup method"] = _pick(tuple(pickups), pickup_idx[ftype])
    months = ("Feb", "May", "Aug", "Nov")
    dates = [f"{15 + k % 3:02d}/{months[int(q[5]) - 1]}/{q[:4]}" for k, q in enumerate(QUARTERS)]
    out["date"] = _pick(tuple(dates), quarter)
    out["corridor"] = _pick(tuple(c[0] + c[1] for c in CORRIDORS), corr)
    out["payment instrument"] = _pick(PAYMENT, rng.integers(0, len(PAYMENT), n))
    return pd.DataFrame(out)


def write_workbook(path: str | Path, seed: int = 0, rows: int | None = None) -> Path:
    """Write the RPW-layout table to an ``.xlsx`` workbook (needs openpyxl) and return its
    path; ``migindicators.io.read_rpw(path)`` reads it back."""
    path = Path(path)
    rpw_layout(seed, rows).to_excel(path, index=False, sheet_name="Dataset")
    return path


def bilateral_flows() -> pd.DataFrame:
    """Illustrative bilateral remittance flows of the demo corridors [USD] (rounded from the
    World Bank/KNOMAD 2017 matrix orders of magnitude; not exact)."""
    flows = {
        "USAMEX": 30.0e9,
        "USAGTM": 8.2e9,
        "USAPHL": 11.5e9,
        "GBRNGA": 3.7e9,
        "GBRIND": 3.9e9,
        "AREIND": 13.8e9,
        "AREPAK": 4.6e9,
        "DEUTUR": 1.0e9,
        "FRASEN": 0.6e9,
        "ZAFZWE": 0.9e9,
        "TZAKEN": 0.03e9,
        "KENUGA": 0.09e9,
    }
    return pd.DataFrame(
        {
            "sending_area": [k[:3] for k in flows],
            "receiving_area": [k[3:] for k in flows],
            "flow": list(flows.values()),
            "year": 2017,
        }
    )


def generate(seed: int = 0) -> dict[str, pd.DataFrame]:
    """Return ``{"prices": ..., "flows": ..., "rpw": ...}``: the standard price frame (both
    price points, as :func:`migindicators.io.read_rpw` returns it), demo flows, and the raw
    RPW-layout table."""
    raw = rpw_layout(seed)
    return {
        "prices": rpw_to_standard(raw, source="rpw_demo"),
        "flows": bilateral_flows(),
        "rpw": raw,
    }
