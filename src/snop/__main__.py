"""``python -m snop``: the same as the ``snop`` command."""

from snop.cli.main import main

main()
