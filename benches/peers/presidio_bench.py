"""Microsoft Presidio's analyzer on the same corpus as `palisade bench scan`.

Presidio needs a spaCy model, and none can be downloaded here, so a blank
English pipeline (`spacy.blank("en")`) is saved to disk and used as the
model: every pattern recognizer (email, phone, card, IBAN, IP, URL, crypto,
SSN, ...) still runs; only the NER-based ones (names, places) find nothing,
which is what palisade compares against anyway.

    python3 -m venv .venv && .venv/bin/pip install presidio-analyzer
    cargo run --release -p palisade-benches --bin gen-corpus -- prose /tmp/prose.jsonl 8M
    .venv/bin/python benches/peers/presidio_bench.py /tmp/prose.jsonl

Prints documents, bytes, findings (per entity type), seconds and MB/s (one
process, one thread), and the same as JSON with --json. Findings are counted
at score 0.5, palisade's default threshold.
"""

import argparse
import collections
import json
import sys
import tempfile
import time


def load(path, text_field):
    docs = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                docs.append(json.loads(line)[text_field])
            except (ValueError, KeyError) as e:
                sys.exit(f"{path}:{number}: {e}")
    return docs


def offline_tldextract():
    """Presidio's email recognizer calls `tldextract.extract`, which tries to
    download the public suffix list on first use; use the snapshot that ships
    with tldextract instead, so no time goes to a failing network call."""
    import tldextract

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tldextract.extract = offline


def analyzer():
    offline_tldextract()
    import spacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    model_dir = tempfile.mkdtemp(prefix="blank-en-")
    spacy.blank("en").to_disk(model_dir)
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": model_dir}],
        }
    )
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="JSONL file, one document per line")
    parser.add_argument("--text-field", default="text")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    docs = load(args.corpus, args.text_field)
    engine = analyzer()
    engine.analyze(text=docs[0], language="en")  # warm-up: recognizers load lazily
    per_entity = collections.Counter()
    started = time.perf_counter()
    for doc in docs:
        for finding in engine.analyze(text=doc, language="en", score_threshold=0.5):
            per_entity[finding.entity_type] += 1
    seconds = time.perf_counter() - started
    findings = sum(per_entity.values())
    size = sum(len(doc.encode("utf-8")) for doc in docs)
    result = {
        "peer": "presidio-analyzer",
        "documents": len(docs),
        "bytes": size,
        "findings": findings,
        "seconds": round(seconds, 3),
        "mb_per_s": round(size / 1e6 / seconds, 4),
        "findings_per_entity": dict(per_entity.most_common()),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"presidio-analyzer: {result['documents']} documents, {size / 1e6:.1f} MB, "
            f"{findings} findings in {seconds:.1f}s: {result['mb_per_s']} MB/s"
        )
        for entity, count in per_entity.most_common():
            print(f"  {entity:<20} {count}")


if __name__ == "__main__":
    main()
