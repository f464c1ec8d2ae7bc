"""Text normalisation for knowledge-base search: words, stop words and a light stemmer.

Why our own instead of a library: the engine must not download anything at run time and the
repository only depends on rapidfuzz + stdlib.  The rules here are deliberately small:

* ``normalize`` applies NFKC and case folding, turns typographic apostrophes into ``'`` and
  drops control characters, so pasted text, emoji and odd Unicode never reach the index.
* ``words`` splits on Unicode word characters.  English contractions are expanded in the one
  way that matters for retrieval (``hasn't`` -> ``hasn`` + ``not``; ``'s``/``'ll``/``'re`` dropped).
  Runs of CJK characters are emitted as overlapping character bigrams, the usual trick for
  languages without spaces (ja, zh), so those articles are searchable at all.
* ``stem`` removes inflection only (plurals, -ing, -ed, -ly, a final -e, doubled consonants):
  "charges", "charged", "charging" and "charge" all become ``charg``.  Derivations
  (verify/verification) are left to the fuzzy vocabulary matching in ``search.py``, which also
  absorbs whatever the rules get wrong, because queries and articles go through the same
  function.  Stemming is applied to every language: it is tuned for English, and for other
  Latin-script languages it only ever removes a suffix consistently on both sides.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

# Common English function words.  Negations ("not", "no", "never") are kept: "card not working"
# and "card working" are different questions.  The list also holds the question and filler
# words users type in front of every request ("please", "hi", "help"), which carry no topic.
STOP_WORDS: frozenset[str] = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself of off on once only or other our ours ourselves out over own same
    she should so some such than that the their theirs them themselves then there these they this
    those through to too under until up very was we were what when where which while who whom why
    will with would you your yours yourself yourselves s t d ll m re ve also get got getting im ive
    id let lets may might must shall us want wanted need needed please pls plz hi hello hey thanks
    thank help know tell like okay ok yes still yet even really much many way ever anything
    something someone anyone go going went gone make made use used using one would've
    """.split()
)

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_VOWELS = set("aeiouy")
# Cc, and the Cf/Zl/Zp characters that show up in pasted text (zero-width, bidi marks, BOM).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def normalize(text: str) -> str:
    """NFKC + casefold, typographic apostrophes unified, control/format characters removed."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    return _CONTROL.sub(" ", text.casefold())


def _split_contraction(word: str) -> list[str]:
    if "'" not in word:
        return [word]
    head, _, tail = word.partition("'")
    if tail == "t" and head.endswith("n"):  # hasn't, don't, can't -> hasn / do / ca + not
        base = head[:-1] if head not in ("can", "won") else head
        return [w for w in (base, "not") if w]
    if tail in ("s", "ll", "re", "ve", "m", "d"):
        return [head]
    return [head, tail]


def words(text: str) -> list[str]:
    """Lower-case word tokens of ``text`` (no stop-word removal, no stemming)."""
    text = normalize(text)
    found = _WORD.findall(text)
    if text.isascii() and "'" not in text:
        return found
    out: list[str] = []
    for raw in found:
        for w in _split_contraction(raw):
            if not w.isascii() and _CJK.search(w):
                out.extend(_cjk_bigrams(w))
            else:
                out.append(w)
    return out


def substitute_words(text: str, replacements: Mapping[str, str]) -> str:
    """``text`` (already ``normalize``d) with whole words swapped, everything else as it was."""
    return _WORD.sub(lambda m: replacements.get(m[0], m[0]), text) if replacements else text


def _cjk_bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Strip inflectional suffixes; idempotent enough that query and article forms meet."""
    w = word
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif (w.endswith("es") and w[-3] in "sxz") or w.endswith(("ches", "shes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("ied") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ing") and len(w) > 5 and _VOWELS & set(w[:-3]):
        w = w[:-3]
    elif w.endswith("ed") and len(w) > 4 and _VOWELS & set(w[:-2]):
        w = w[:-2]
    elif w.endswith("ly") and len(w) > 5:
        w = w[:-2]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz" and w[-1] not in _VOWELS:
        w = w[:-1]  # stopped -> stopp -> stop
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    if w.endswith("y") and len(w) > 3 and w[-2] not in _VOWELS:
        w = w[:-1] + "i"  # verify / verified / verifies -> verifi
    return w


def terms(text: str) -> list[str]:
    """Index/query terms: every word, stemmed (order and repeats preserved).

    Stop words are kept: on the dev set dropping them cost 3-4 points of top-3 ("why was my
    card declined" and "my card was declined" are different articles), and BM25's IDF already
    makes them cheap.  ``is_content`` tells the confidence computation which ones to ignore.
    """
    return [stem(w) for w in words(text)]


def is_content(term: str) -> bool:
    """False for stemmed stop words: they never count towards "the question was understood"."""
    return term not in _STOP_STEMS


_STOP_STEMS = frozenset(stem(w) for w in STOP_WORDS)
