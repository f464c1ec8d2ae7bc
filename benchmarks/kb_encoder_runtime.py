#!/usr/bin/env python3
"""The sentence model's runtime: the numpy encoder against onnxruntime (+ the tokenizers package), in one run.

    pip install tokenizers                               # optional: the "+ tokenizers" row (benchmark only)
    python benchmarks/kb_encoder_runtime.py              # ~10 min on two cores (kb-eval included)
    python benchmarks/kb_encoder_runtime.py --repeat 5 --skip-eval

Runtimes: ``numpy`` (``encoder.SentenceEncoder``, OpenBLAS with its default threads), the same with
``OPENBLAS_NUM_THREADS=1``, ``onnxruntime`` (``onnx_encoder.OnnxEncoder``, as the bot runs it) with and without weight
prepacking, and onnxruntime with the ``tokenizers`` package's BERT tokenizer (the model package's
``tokenizer.json``) instead of ours.  Each round starts every runtime once, in turn, in a fresh process:
onnxruntime's and OpenBLAS's worker threads spin after a call, so two runtimes in one process on two
cores slow each other down, and the rounds spread the shared machine's load over all of them.

Per runtime: encoding the whole knowledge base (every English sentence ``SearchIndex.sentences_to_encode``
gives for the kb-eval corpus, what a worker encodes after start-up), sentences per second; single-question
latency (``encode([q])``, no query cache), p50 / p99 ms; load time; the private memory the runtime adds to
its process (what cannot be shared with another worker); and the kb-eval dev set with it as the sentence
model (top-3 per kind, end-to-end @3).  Every runtime computes with the same weights (the machine's model
cache), so the differences are the runtimes'.

The ONNX graph is ``knowledge_base/onnx_encoder.py``'s: built from the weights' layout, its initializers
external data pointing into the cache file, so onnxruntime maps the same pages as numpy.  Prepacking
(onnxruntime's default) copies the ~40 MB of dense weights into each process; the bot runs without it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import kb_eval  # noqa: E402

from knowledge_base import model_files  # noqa: E402
from knowledge_base.encoder import MAX_TOKENS, SentenceEncoder  # noqa: E402
from knowledge_base.onnx_encoder import OnnxEncoder  # noqa: E402
from knowledge_base.search import SearchIndex  # noqa: E402


class TokenizersOnnx(OnnxEncoder):
    """The ONNX runtime with the ``tokenizers`` package's BERT tokenizer (the package's ``tokenizer.json``)."""

    def __init__(self, files: model_files.ModelFiles, **options: Any) -> None:
        from tokenizers import Tokenizer

        super().__init__(files, **options)
        with zipfile.ZipFile(model_files.source().archive) as bundle:
            self._tokenizer = Tokenizer.from_str(bundle.read("tokenizer.json").decode())
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)

    def token_ids(self, text: str) -> list[int]:
        ids: list[int] = self._tokenizer.encode(text).ids
        return ids


def private_mb() -> float:
    """Memory this process cannot share with another: private dirty pages (heap, copies), in MB."""
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Private_Dirty:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make(name: str, files: model_files.ModelFiles) -> SentenceEncoder:
    if name == "numpy":
        return SentenceEncoder(files.tokens, files.weights)
    if name == "onnxruntime":
        return OnnxEncoder(files, prepack=True)
    if name == "onnxruntime (no prepack)":
        return OnnxEncoder(files, prepack=False)
    return TokenizersOnnx(files, prepack=True)


def corpus_sentences(arts: list[Any]) -> list[str]:
    texts = SearchIndex.build(arts).sentences_to_encode()
    assert texts is not None
    return texts


def timed_encode(encoder: SentenceEncoder, texts: list[str]) -> float:
    started = time.perf_counter()
    encoder.encode(texts)
    return time.perf_counter() - started


def latencies(encoder: SentenceEncoder, questions: list[str]) -> list[float]:
    out = []
    for q in questions:
        started = time.perf_counter()
        encoder.encode([q])
        out.append((time.perf_counter() - started) * 1000)
    return out


def quality(
    encoder: SentenceEncoder, arts: list[Any], docs: list[dict[str, Any]], queries: list[dict[str, Any]]
) -> Any:
    """kb_eval's ``Ours`` with this encoder as the sentence model, over every dev query."""
    with contextlib.ExitStack() as stack:
        stack.callback(setattr, kb_eval, "shipped_encoder", kb_eval.shipped_encoder)
        kb_eval.shipped_encoder = lambda: encoder
        ours = kb_eval.Ours(arts)
        ours.build(docs)
        assert ours.index.understands_sentences
        results = kb_eval.run_queries(ours, queries)
    return kb_eval.metrics(queries, results, ours.index.no_answer_threshold)


def child(name: str, corpus: Path, queries: Path, n_questions: int) -> int:
    """One runtime in a fresh process: load it, encode the corpus once, then each question alone.

    A process per runtime: onnxruntime's and OpenBLAS's worker threads spin after a call, so two
    runtimes in one process on two cores slow each other down.
    """
    before = private_mb()
    started = time.perf_counter()
    encoder = make(name, model_files.load())
    ready = time.perf_counter() - started
    arts, _ = kb_eval.load_docs(corpus)
    texts = corpus_sentences(arts)
    with queries.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    questions = [r["q"] for r in kb_eval.stratified(rows, n_questions, "latency")]
    encoder.encode(questions[:20])  # warm-up
    seconds = timed_encode(encoder, texts)
    lat = latencies(encoder, questions)
    print(json.dumps({"ready": ready, "encode": seconds, "latencies": lat, "private": private_mb() - before,
                      "sentences": len(texts), "vectors": encoder.encode(texts[:200]).tolist()}))  # fmt: skip
    return 0


def main(argv: list[str] | None = None) -> int:
    default = REPO.parent / "shared" / "kb-eval"
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=default / "corpus")
    ap.add_argument("--queries", type=Path, default=default / "dev.jsonl")
    ap.add_argument("--repeat", type=int, default=3, help="rounds; each starts every runtime once, in turn")
    ap.add_argument("--latency-queries", type=int, default=300)
    ap.add_argument("--skip-eval", action="store_true")
    ap.add_argument("--only", help="comma list of runtimes to run (numpy always runs: it is the baseline)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child(args.child, args.corpus, args.queries, args.latency_queries)

    def log(s: str) -> None:
        print(s, file=sys.stderr, flush=True)

    names = ["numpy", "numpy (1 BLAS thread)", "onnxruntime", "onnxruntime (no prepack)", "onnxruntime + tokenizers"]
    if args.only:
        wanted = {"numpy", *(n.strip() for n in args.only.split(","))}
        names = [n for n in names if n in wanted]
    if importlib.util.find_spec("tokenizers") is None:
        names.remove("onnxruntime + tokenizers")
    model_files.load()  # the cache exists before any child is timed
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for round_ in range(args.repeat):
        for name in names:
            env = dict(os.environ)
            if name == "numpy (1 BLAS thread)":
                env["OPENBLAS_NUM_THREADS"] = "1"
            command = [sys.executable, __file__, "--child", "numpy" if name.startswith("numpy") else name,
                       "--corpus", str(args.corpus), "--queries", str(args.queries),
                       "--latency-queries", str(args.latency_queries)]  # fmt: skip
            out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
            runs[name].append(json.loads(out))
            log(f"round {round_ + 1}: {name}: corpus {runs[name][-1]['encode']:.2f} s, "
                f"query p50 {kb_eval.pct(runs[name][-1]['latencies'], 50):.2f} ms")  # fmt: skip

    arts, docs = kb_eval.load_docs(args.corpus)
    with args.queries.open(encoding="utf-8") as fh:
        queries = [json.loads(line) for line in fh if line.strip()]
    evals = {}
    if not args.skip_eval:
        files = model_files.load()
        for name in ("numpy", "onnxruntime", "onnxruntime + tokenizers"):
            if name in names:
                log(f"kb-eval with {name} ...")
                evals[name] = quality(make(name, files), arts, docs, queries)

    base = "numpy"
    sentences, n_q = runs[base][0]["sentences"], len(runs[base][0]["latencies"])
    reference = np.array(runs[base][0]["vectors"])
    print(f"### sentence model runtime: {sentences} KB sentences, {n_q} single questions, {args.repeat} rounds "
          "(a fresh process per runtime and round)\n")  # fmt: skip
    print("| runtime | KB encode s (median) | sentences/s | ratio | query p50 ms | query p99 ms | p50 ratio | "
          "load s | private MB per process | cosine to numpy (min) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")

    def p50(name: str) -> float:
        return kb_eval.pct([x for r in runs[name] for x in r["latencies"]], 50)

    def encode(name: str) -> float:
        return statistics.median(r["encode"] for r in runs[name])

    for name in names:
        lat = [x for r in runs[name] for x in r["latencies"]]
        cosine = float(np.sum(reference * np.array(runs[name][0]["vectors"]), axis=1).min())
        print(f"| {name} | {encode(name):.2f} | {sentences / encode(name):.0f} | {encode(base) / encode(name):.2f}x | "
              f"{p50(name):.2f} | {kb_eval.pct(lat, 99):.2f} | {p50(base) / p50(name):.2f}x | "
              f"{statistics.median(r['ready'] for r in runs[name]):.2f} | "
              f"{statistics.median(r['private'] for r in runs[name]):.0f} | {cosine:.6f} |")  # fmt: skip

    # Paired per round (the runtimes of one round ran back to back): robust to the machine's load drifting.
    def paired(name: str, measure: Any) -> float:
        return statistics.median(measure(b) / measure(r) for b, r in zip(runs[base], runs[name], strict=True))

    ratios = [
        f"{n} corpus {paired(n, lambda r: r['encode']):.2f}x, "
        f"p50 {paired(n, lambda r: kb_eval.pct(r['latencies'], 50)):.2f}x"
        for n in names
        if n != base
    ]
    print("\nper-round ratios to numpy (median over rounds): " + "; ".join(ratios))
    print("\nKB encode s per round: " + "; ".join(f"{n} {[round(r['encode'], 2) for r in runs[n]]}" for n in names))
    if "onnxruntime + tokenizers" in names:
        files = model_files.load()
        ours, theirs = make("numpy", files), make("onnxruntime + tokenizers", files)
        texts = corpus_sentences(arts) + [r["q"] for r in queries]
        same = sum(ours.token_ids(t) == theirs.token_ids(t) for t in texts)
        print(
            f"\ntokenizers gives the numpy encoder's token ids for {same} of {len(texts)} texts "
            "(corpus + dev questions)"
        )
    if evals:
        print(f"\n### kb-eval {args.queries.name} with each runtime as the sentence model (top-3 %)\n")
        print("| runtime | clean | typo1 | typo2 | terse | terse_typo | in-scope | oos rejected | answered | e2e @3 |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name, m in evals.items():
            kinds = " | ".join(f"{100 * m[k]['top3']:.1f}" for k in [*kb_eval.KINDS, "in-scope"])
            print(f"| {name} | {kinds} | {100 * m['oos_rejected']:.1f} | {100 * m['in-scope']['answered']:.1f} | "
                  f"{100 * m['e2e']:.1f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
