"""``python -m nv12_widgets``: the ``nv12-widgets`` command line (see :mod:`nv12_widgets.cli`)."""

from nv12_widgets.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
