"""`python -m app.sandbox`: run the Creatio sandbox."""

from app.sandbox.cli import main

raise SystemExit(main())
