"""`python -m travelmap`: the same command line as the `travelmap` script."""

from .console import main

main()
