"""``python -m migindicators`` runs the command line."""

from migindicators.cli import main

raise SystemExit(main())
