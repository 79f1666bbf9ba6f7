"""`python -m multitude.cli`: the same as the `multitude` command."""

from multitude.cli.app import main

if __name__ == "__main__":
    main()
