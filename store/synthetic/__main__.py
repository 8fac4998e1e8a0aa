"""``python -m store.synthetic --out DIR ...``: see :mod:`store.synthetic.cli`."""

from store.synthetic.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
