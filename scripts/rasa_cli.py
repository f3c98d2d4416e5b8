"""The `rasa` command without the libraries' deprecation notes: one of Rasa's own imports puts a
"once" filter for them in front of PYTHONWARNINGS, so they are dropped at display instead.
Usage: .venv/bin/python -m scripts.rasa_cli interactive --model models/shop.tar.gz ..."""

import sys

from scripts.nlu_metrics import quiet_rasa

if __name__ == "__main__":
    quiet_rasa()
    from rasa.__main__ import main

    sys.argv[0] = "rasa"
    sys.exit(main())
