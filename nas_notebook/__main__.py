"""``python -m nas_notebook run SCRIPT [options]``: see :mod:`nas_notebook.cli`."""

from .cli import main

raise SystemExit(main())
