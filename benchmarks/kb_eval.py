#!/usr/bin/env python3
"""Knowledge-base search benchmark: our engine against the kb-eval baselines, in one run.

    python benchmarks/kb_eval.py                      # dev set + scale test at 10k and 100k articles
    python benchmarks/kb_eval.py --quick              # a stratified 25 % of the queries, 10k scale only
    python benchmarks/kb_eval.py --corpus DIR --queries FILE --scale 10000

Quality table: top-1/top-3 per query kind, out-of-scope rejection, end-to-end @3 and latency.
The baselines (SQLite FTS5 trigram and porter, rapidfuzz WRatio on titles) are ported from
``kb-eval/baselines.py`` and, as its README defines, get the threshold that answers >= 95 % of
in-scope queries; ours uses its fixed thresholds (an empty result = "no article"), and its in-scope
answered % is printed next to it.  Ours is measured twice: with the sentence model, as the bot runs
once its background encoding is done, and with the static word vectors only, as it runs before that
and for knowledge bases too large to encode.

Scale table: the corpus replicated with variations (sampled and perturbed phrasings, a region /
programme suffix, a product name per replica, answer-template variants, occasional typos, so the
vocabulary grows as it would in a real knowledge base) to 10,000 and 100,000 articles; index build
seconds, p50/p99 query latency on a stratified query sample for ours and FTS5 trigram, and our
process's resident memory.  Nothing here is imported from ../shared at run time.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import re
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from rapidfuzz import fuzz, process, utils

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from knowledge_base.articles import Article, load_articles  # noqa: E402
from knowledge_base.encoder import shipped_encoder  # noqa: E402
from knowledge_base.ranking import DEFAULT_RANKING  # noqa: E402
from knowledge_base.search import SearchIndex  # noqa: E402

KINDS = ["clean", "typo1", "typo2", "terse", "terse_typo"]
ACCEPT_IN_SCOPE = 0.95
WORD = re.compile(r"\w+")
SUFFIXES = ["EMEA", "APAC", "Americas", "Gold tier", "Silver tier", "Resellers", "Referral partners",
            "MSP partners", "Distributors", "Legacy plan", "Marketplace", "Enterprise"]  # fmt: skip
ANSWERS = [
    "This article covers {topic}. Open the partner portal and follow the steps shown there.",
    "Use this guide for {topic}. Sign in to the partner portal; changes usually apply at once.",
    "Here is how {topic} works for your programme. If something looks wrong, open a ticket.",
    "{topic}: the partner portal has the details. Contact partner support with your partner ID.",
]
SYLLABLES = "ka lo mi ne ru sa ti vo xe zu bra cle dro fli gro plu tra vin sor mek".split()


# --------------------------------------------------------------------------- baselines (ported)
class FTS5:
    """SQLite FTS5 over title+body, ranked by bm25 (as kb-eval/baselines.py)."""

    def __init__(self, tokenizer: str, query_mode: str, db_path: str | None = None) -> None:
        self.tokenizer, self.query_mode, self.db_path = tokenizer, query_mode, db_path or ":memory:"

    def build(self, docs: list[dict]) -> None:
        self.con = sqlite3.connect(self.db_path)
        self.con.execute("PRAGMA journal_mode=OFF")
        self.con.execute("PRAGMA synchronous=OFF")
        self.con.execute("DROP TABLE IF EXISTS docs")
        self.con.execute(
            f"CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, tokenize='{self.tokenizer}')"
        )
        self.con.executemany(
            "INSERT INTO docs(id, title, body) VALUES (?,?,?)", ((d["id"], d["title"], d["body"]) for d in docs)
        )
        self.con.execute("INSERT INTO docs(docs) VALUES('optimize')")
        self.con.commit()

    def fts_query(self, q: str) -> str:
        ws = WORD.findall(q.lower())
        if self.query_mode == "trigram":
            found = sorted({w[i : i + 3] for w in ws if len(w) >= 3 for i in range(len(w) - 2)})
        else:
            found = sorted(set(ws))
        return " OR ".join('"' + t.replace('"', '""') + '"' for t in found)

    def search(self, q: str, k: int = 3) -> list[tuple[str, float]]:
        mq = self.fts_query(q)
        if not mq:
            return []
        rows = self.con.execute(
            "SELECT id, rank FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?", (mq, k)
        ).fetchall()
        return [(i, -r) for i, r in rows]

    def close(self) -> None:
        self.con.close()


class RapidFuzzTitles:
    """rapidfuzz WRatio of the query against every title."""

    def build(self, docs: list[dict]) -> None:
        self.ids = [d["id"] for d in docs]
        self.choices = [utils.default_process(d["title"]) for d in docs]

    def search(self, q: str, k: int = 3) -> list[tuple[str, float]]:
        res = process.extract(utils.default_process(q), self.choices, scorer=fuzz.WRatio, processor=None, limit=k)
        return [(self.ids[i], s) for _, s, i in res]

    def close(self) -> None:
        pass


class Ours:
    """Our SearchIndex.search; when it says "no article" (empty list) the score is -inf and the
    ids are those of ``SearchIndex.rank`` (what it would have shown), so top-k columns measure
    ranking like the baselines' while answered / e2e measure the real output.

    ``sentence_model``: encode the sentences as the bot does in the background after start-up
    (``SearchIndex.encode_sentences``); a corpus past ``MAX_ENCODED_SENTENCES`` stays on the
    static word vectors, as in the bot."""

    def __init__(self, articles: list[Article] | None = None, *, sentence_model: bool = True) -> None:
        self.articles = articles
        self.sentence_model = sentence_model
        self.encode_s = 0.0

    def build(self, docs: list[dict]) -> None:
        arts = self.articles or [Article(id=d["id"], title=d["title"], body=d["body"]) for d in docs]
        self.index = SearchIndex.build(arts)
        # As the bot does: the model is loaded only for a knowledge base it can encode.
        if self.sentence_model and self.index.sentences_to_encode() is not None:
            t0 = time.perf_counter()
            self.index.encode_sentences(shipped_encoder())
            self.encode_s = time.perf_counter() - t0

    @property
    def meaning(self) -> str:
        return "sentence model" if self.index.understands_sentences else "word vectors"

    def search(self, q: str, k: int = 3) -> list[tuple[str, float]]:
        hits = self.index.search(q, top=k)
        if hits:
            return [(h.id, h.score) for h in hits]
        return [(art.id, -math.inf) for _, art, _ in self.index.rank(q, depth=k)]

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- metrics
def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, max(0, math.ceil(p / 100 * len(xs)) - 1))]  # nearest rank


def run_queries(m, queries: list[dict], base_of=None) -> list[dict]:
    out = []
    for r in queries:
        t0 = time.perf_counter()
        hits = m.search(r["q"])
        dt = time.perf_counter() - t0
        ids = [base_of(i) if base_of else i for i, _ in hits]
        out.append({"ids": ids, "score": hits[0][1] if hits else -math.inf, "ms": dt * 1000})
    return out


def pick_threshold(queries: list[dict], results: list[dict], accept: float = ACCEPT_IN_SCOPE) -> float:
    """Largest t that still answers >= accept of the in-scope queries (baselines.py's rule)."""
    s = sorted(x["score"] for r, x in zip(queries, results, strict=True) if r["kind"] != "oos")
    return s[math.floor((1 - accept) * len(s))]


def metrics(queries: list[dict], results: list[dict], t: float) -> dict:
    m: dict = {}
    pairs = list(zip(queries, results, strict=True))
    for kind in [*KINDS, "in-scope"]:
        sel = [(r, x) for r, x in pairs if (r["kind"] == kind if kind != "in-scope" else r["kind"] != "oos")]
        if sel:
            m[kind] = {
                "top1": sum(x["ids"][:1] == [r["expected"]] for r, x in sel) / len(sel),
                "top3": sum(r["expected"] in x["ids"][:3] for r, x in sel) / len(sel),
                "answered": sum(x["score"] >= t for _, x in sel) / len(sel),
            }
    oos = [x for r, x in pairs if r["kind"] == "oos"]
    if oos:
        m["oos_rejected"] = sum(x["score"] < t for x in oos) / len(oos)
    ok = sum(
        1
        for r, x in pairs
        if (r["kind"] == "oos" and x["score"] < t)
        or (r["kind"] != "oos" and x["score"] >= t and r["expected"] in x["ids"][:3])
    )
    m["e2e"] = ok / len(pairs)
    lat = [x["ms"] for x in results]
    m["p50"], m["p99"], m["mean"] = pct(lat, 50), pct(lat, 99), statistics.fmean(lat)
    return m


# --------------------------------------------------------------------------- corpus
def load_docs(corpus: Path) -> tuple[list[Article], list[dict]]:
    arts = load_articles(corpus)
    return arts, [{"id": a.id, "title": a.title, "body": a.body} for a in arts]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.randrange(3)
    if op == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + rng.choice("aeiourstln") + word[i + 1 :]


def synth_corpus(base: list[dict], n: int) -> list[dict]:
    """n documents: the real ones, then variants cycling over them (id ``base~k``)."""
    docs = []
    for i in range(n):
        b = base[i % len(base)]
        k = i // len(base)
        if k == 0:
            docs.append(dict(b))
            continue
        rng = random.Random(f"scale|{b['id']}|{k}")
        lines = [ln[2:] for ln in b["body"].splitlines() if ln.startswith("- ")]
        picked = rng.sample(lines, min(len(lines), rng.randint(3, 5)))
        picked = [" ".join(_typo(w, rng) if rng.random() < 0.03 else w for w in ln.split()) for ln in picked]
        product = "".join(random.Random(f"prod|{k}").choice(SYLLABLES) for _ in range(3)).capitalize()
        suffix = f"{SUFFIXES[k % len(SUFFIXES)]} {k}"
        topic = b["title"].rstrip("?").lower()
        body = (
            "Questions this article answers:\n\n"
            + "\n".join("- " + q for q in picked)
            + "\n\n"
            + ANSWERS[k % len(ANSWERS)].format(topic=topic)
            + f" Applies to {product} ({suffix})."
        )
        docs.append({"id": f"{b['id']}~{k}", "title": f"{b['title']} ({product}, {suffix})", "body": body})
    return docs


def rss_mb() -> tuple[float, float]:
    """(current resident MB from /proc/self/status, peak resident MB from getrusage)."""
    cur = float("nan")
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1]) / 1024
    except OSError:
        pass
    return cur, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stratified(queries: list[dict], n: int, seed: str) -> list[dict]:
    rng = random.Random(seed)
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in queries:
        by_kind[r["kind"]].append(r)
    sample = []
    for kind in sorted(by_kind):
        sample += rng.sample(by_kind[kind], min(len(by_kind[kind]), n // len(by_kind)))
    rng.shuffle(sample)
    return sample


# --------------------------------------------------------------------------- runs
def quality(arts: list[Article], docs: list[dict], queries: list[dict], log) -> list[tuple[str, dict, float]]:
    rows = []
    methods = [
        ("ours", lambda: Ours(arts)),
        ("ours, word vectors only", lambda: Ours(arts, sentence_model=False)),
        ("FTS5 trigram", lambda: FTS5("trigram", "trigram")),
        ("FTS5 porter", lambda: FTS5("porter unicode61", "words")),
        ("rapidfuzz WRatio, titles", RapidFuzzTitles),
    ]
    for name, ctor in methods:
        m = ctor()
        t0 = time.perf_counter()
        m.build(docs)
        build_s = time.perf_counter() - t0
        res = run_queries(m, queries)
        m.close()
        # Ours answers or returns nothing; -inf marks "no article", any real score is >= threshold.
        t = m.index.no_answer_threshold if isinstance(m, Ours) else pick_threshold(queries, res)
        if isinstance(m, Ours):
            log(f"{name}: {m.meaning}, threshold {t:g}, sentences encoded in {m.encode_s:.1f} s")
        mm = metrics(queries, res, t)
        rows.append((name, mm, build_s))
        log(f"{name}: in-scope top3 {100 * mm['in-scope']['top3']:.1f} e2e {100 * mm['e2e']:.1f}")
    return rows


def scale(arts_docs: list[dict], queries: list[dict], sizes: list[int], n_q: int, log) -> list[dict]:
    out = []
    for n in sizes:
        docs = synth_corpus(arts_docs, n)
        nq = n_q if n < 50_000 else max(50, n_q // 2)
        sample = stratified(queries, nq, f"scale|{n}")
        row: dict = {"docs": n, "text_mb": sum(len(d["title"]) + len(d["body"]) for d in docs) / 1e6}
        gc.collect()
        rss_before, _ = rss_mb()
        m = Ours()
        t0 = time.perf_counter()
        m.build(docs)
        row["ours_build"] = time.perf_counter() - t0
        row["meaning"] = m.meaning
        res = run_queries(m, sample, base_of=lambda i: i.split("~")[0])
        lat = [x["ms"] for x in res]
        row["ours_p50"], row["ours_p99"] = pct(lat, 50), pct(lat, 99)
        rss_after, peak = rss_mb()
        row["ours_rss"], row["ours_peak"], row["ours_index_mb"] = rss_after, peak, rss_after - rss_before
        ins = [(r, x) for r, x in zip(sample, res, strict=True) if r["kind"] != "oos"]
        row["ours_top3"] = sum(r["expected"] in x["ids"] for r, x in ins) / len(ins)
        del m, res
        gc.collect()
        log(f"scale {n}: ours build {row['ours_build']:.1f}s p50 {row['ours_p50']:.2f} p99 {row['ours_p99']:.2f}")
        tmp = tempfile.mkdtemp(prefix="kbeval_scale_")
        try:
            f = FTS5("trigram", "trigram", str(Path(tmp) / "idx.sqlite"))
            t0 = time.perf_counter()
            f.build(docs)
            row["fts_build"] = time.perf_counter() - t0
            res = run_queries(f, sample, base_of=lambda i: i.split("~")[0])
            f.close()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        lat = [x["ms"] for x in res]
        row["fts_p50"], row["fts_p99"], row["queries"] = pct(lat, 50), pct(lat, 99), len(sample)
        ins = [(r, x) for r, x in zip(sample, res, strict=True) if r["kind"] != "oos"]
        row["fts_top3"] = sum(r["expected"] in x["ids"] for r, x in ins) / len(ins)
        log(f"scale {n}: fts5 build {row['fts_build']:.1f}s p50 {row['fts_p50']:.2f} p99 {row['fts_p99']:.2f}")
        out.append(row)
        del docs
        gc.collect()
    return out


def fmt_quality(rows: list[tuple[str, dict, float]]) -> str:
    hdr = ["method"] + [f"{k} top1/top3" for k in KINDS]
    hdr += ["oos rejected", "in-scope answered", "end-to-end @3", "p50 ms", "p99 ms"]
    lines = ["| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
    for name, m, _ in rows:
        rule = "fixed t" if name.startswith("ours") else "@95 %"
        cells = [name]
        for k in KINDS:
            cells.append(f"{100 * m[k]['top1']:.1f} / {100 * m[k]['top3']:.1f}" if k in m else "-")
        cells += [
            f"{100 * m['oos_rejected']:.1f} ({rule})" if "oos_rejected" in m else "-",
            f"{100 * m['in-scope']['answered']:.1f}",
            f"{100 * m['e2e']:.1f}",
            f"{m['p50']:.2f}",
            f"{m['p99']:.2f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fmt_scale(rows: list[dict]) -> str:
    lines = [
        "| articles | text MB | queries | ours build s | FTS5 trigram build s | ours p50 / p99 ms | "
        "FTS5 trigram p50 / p99 ms | p99 ratio ours/FTS5 | ours RSS MB (index Δ) | top-3 any variant ours / FTS5 "
        "| ours' meaning |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['docs']:,} | {r['text_mb']:.1f} | {r['queries']} | {r['ours_build']:.1f} | {r['fts_build']:.1f} | "
            f"{r['ours_p50']:.2f} / {r['ours_p99']:.2f} | {r['fts_p50']:.2f} / {r['fts_p99']:.2f} | "
            f"{r['ours_p99'] / r['fts_p99']:.2f} | {r['ours_rss']:.0f} ({r['ours_index_mb']:.0f}) | "
            f"{100 * r['ours_top3']:.1f} / {100 * r['fts_top3']:.1f} | {r['meaning']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    default = REPO.parent / "shared" / "kb-eval"
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=default / "corpus")
    ap.add_argument("--queries", type=Path, default=default / "dev.jsonl")
    ap.add_argument("--scale", default="10000,100000", help="comma list of corpus sizes ('' to skip)")
    ap.add_argument("--scale-queries", type=int, default=400, help="stratified sample per size (half at >= 50k)")
    ap.add_argument("--quick", action="store_true", help="25 %% of the queries, scale 10000 only, 200 queries")
    args = ap.parse_args(argv)

    def log(s: str) -> None:
        print(s, file=sys.stderr, flush=True)

    arts, docs = load_docs(args.corpus)
    with args.queries.open(encoding="utf-8") as fh:
        queries = [json.loads(line) for line in fh if line.strip()]
    if args.quick:
        queries = stratified(queries, len(queries) // 4, "quick")
        args.scale = "10000" if args.scale == "10000,100000" else args.scale
        args.scale_queries = min(args.scale_queries, 200)
    counts = Counter(r["kind"] for r in queries)
    log(f"corpus {len(docs)} articles; {len(queries)} queries {dict(counts)}")
    rows = quality(arts, docs, queries, log)
    print(f"### {args.queries.name}: {len(queries)} queries, {len(docs)} articles\n")
    print(fmt_quality(rows))
    print(
        f"\nours: fixed thresholds (knowledge_base/ranking.py) context_no_answer_threshold = "
        f"{DEFAULT_RANKING.context_no_answer_threshold:g} with the sentence model, "
        f"no_answer_threshold = {DEFAULT_RANKING.no_answer_threshold:g} "
        "with word vectors only; baselines: threshold answering >= 95 % of in-scope queries of this file."
    )
    sizes = [int(x) for x in args.scale.split(",") if x.strip()]
    # The bot never loads the sentence model for a knowledge base too big to encode: free it, so the
    # scale rows' memory is that of such a bot.
    shipped_encoder.cache_clear()
    gc.collect()
    if sizes:
        srows = scale(docs, queries, sizes, args.scale_queries, log)
        print(f"\n### scale (corpus replicated with variations; Python {sys.version.split()[0]}, "
              f"SQLite {sqlite3.sqlite_version})\n")  # fmt: skip
        print(fmt_scale(srows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
