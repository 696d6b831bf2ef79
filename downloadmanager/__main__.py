"""Allow ``python -m downloadmanager``."""

from downloadmanager.cli import main

raise SystemExit(main())
