"""``python -m sakti_cli`` runs the same CLI as the ``sakti`` script."""

from sakti_cli.cli.entry import main

if __name__ == "__main__":
    main()
