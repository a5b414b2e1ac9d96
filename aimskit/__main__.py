"""``python -m aimskit``: the command line (:mod:`aimskit.ui.cli`)."""

from aimskit.ui.cli import main

if __name__ == "__main__":
    main()
