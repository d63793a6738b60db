"""`python -m app.cli`: the `casebridge` command."""

from app.cli.main import main

raise SystemExit(main())
