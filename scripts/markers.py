"""Rasa's markers (markers.yml) over every conversation of the tracker store, as `make markers`
runs them: `rasa evaluate markers all` writes its CSVs into the folder, then one line per marker
says in how many sessions it applied.
Usage: .venv/bin/python -m scripts.markers [--out results/markers]"""

import argparse
import csv
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKERS = ROOT / "markers.yml"
EXTRACTED = "markers.csv"  # one row per marker applied: sender_id, session_idx, marker, ...
STATS_PREFIX = "stats"  # Rasa adds -overall.csv and -per-session.csv


def marker_names(path: Path = MARKERS) -> list[str]:
    import yaml

    return list(yaml.safe_load(path.read_text(encoding="utf-8")))


def sessions_per_marker(rows: Iterable[dict[str, str]], names: Iterable[str] = ()) -> dict[str, int]:
    """How many sessions (sender, session index) each marker applied in, from the rows of Rasa's
    markers CSV; `names` that never applied count 0."""
    sessions: dict[str, set[tuple[str, str]]] = {name: set() for name in names}
    for row in rows:
        sessions.setdefault(row["marker"], set()).add((row["sender_id"], row["session_idx"]))
    return {name: len(found) for name, found in sessions.items()}


def read_counts(folder: Path, names: Iterable[str] = ()) -> dict[str, int]:
    with (folder / EXTRACTED).open(newline="", encoding="utf-8") as f:
        return sessions_per_marker(csv.DictReader(f), names)


def total_sessions(folder: Path) -> int:
    """The sessions the markers were evaluated on, from Rasa's overall statistics."""
    with (folder / f"{STATS_PREFIX}-overall.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["statistic"] == "total_number_of_sessions":
                return int(float(row["value"]))
    return 0


def evaluate(
    folder: Path, endpoints: Path = ROOT / "endpoints.yml", markers: Path = MARKERS, env: dict[str, str] | None = None
) -> None:
    """`rasa evaluate markers all` into `folder`, emptied first (Rasa refuses to overwrite), on
    the tracker store that `endpoints` names (its URL from `env`, this process's by default)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    command = [sys.executable, "-m", "scripts.rasa_cli", "evaluate", "markers", "all"]
    command += ["--config", str(markers), "--domain", str(ROOT / "domain.yml"), "--endpoints", str(endpoints)]
    command += ["--stats-file-prefix", str(folder / STATS_PREFIX), str(folder / EXTRACTED)]
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.markers", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "markers", help="the folder of the CSVs")
    args = parser.parse_args(argv)
    try:
        evaluate(args.out)
    except subprocess.CalledProcessError as error:
        print(f"markers: rasa evaluate markers failed (exit {error.returncode})", file=sys.stderr)
        return 1
    total = total_sessions(args.out)
    print(f"{total} sessions in the tracker store; the markers' CSVs are in {args.out}")
    for name, count in read_counts(args.out, marker_names()).items():
        print(f"  {name:<22} {count:>6} sessions ({count / total:.0%})" if total else f"  {name:<22} {count:>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
