"""``python -m nv12_widgets.cli``: the ``nv12-widgets`` command line, as ``python -m
nv12_widgets`` (the console script's module, ``nv12_widgets.cli:main``)."""

from nv12_widgets.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
