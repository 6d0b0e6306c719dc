"""`python -m monitor`: the operator's command line."""

from monitor.cli import main

main()
