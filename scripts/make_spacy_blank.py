"""Saves a blank English spaCy pipeline (tokenizer only) for Rasa's SpacyNLP.

No pretrained model can be downloaded here; a blank pipeline gives spaCy's tokenizer, and
the featurizers and DIET learn everything else from the project's own data.
"""

import sys
from pathlib import Path

import spacy


def main(target: str) -> None:
    path = Path(target)
    nlp = spacy.blank("en")
    nlp.meta["name"] = "blank_en"
    nlp.meta["version"] = "1.0.0"
    path.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(path)
    print(f"Blank English spaCy pipeline saved to {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "var/spacy/blank_en")
