#!/usr/bin/env python3
"""Measure vaglio's detection on the labelled corpora of ../shared/corpus.

Runs `vaglioctl scan --jsonl` once per dataset and turns its verdicts into the
figures of issue 3's "Targets" (recall, precision, false-positive rate per
dataset, per category or functionality), prints them, optionally prints the
misses, and writes the report (docs/quality.md) with --markdown.

    tests/eval/eval.py                                  # every dataset
    tests/eval/eval.py --dataset sms --misses 20        # one, with its misses
    tests/eval/eval.py --markdown docs/quality.md       # the committed report
    tests/eval/eval.py --sample                         # built-in sample (ctest)

The exit status is 0 whatever the figures; it is non-zero only when the tool
could not run (vaglioctl missing or failing, a corpus file missing, output
that does not match the input line for line).

Python 3 standard library only.
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))

DATASETS = ["hatecheck-it", "hatecheck-en", "davidson", "sms", "pii"]

# Targets of issue 3 (../shared/corpus): (measure, comparison, bound).
TARGETS = {
    "hatecheck-it": {"recall": (">=", 0.85), "fpr": ("<=", 0.15)},
    "hatecheck-en": {"recall": (">=", 0.75), "fpr": ("<=", 0.20)},
    "davidson": {"recall": (">=", 0.85), "precision": (">=", 0.97)},
    "sms": {"recall": (">=", 0.70), "fpr": ("<=", 0.01)},
    "pii": {"valid": (">=", 0.97), "invalid": ("<=", 0.02)},
}

PII_KINDS = ["email", "iban", "card", "fiscal_code", "phone"]
PII_INFO_KINDS = ["vat", "id_document"]


class EvalError(Exception):
    """The tool cannot run: a missing file, a failing vaglioctl."""


# ---------------------------------------------------------------- categories


def is_hate(cat):
    return cat.startswith("hate.") or cat == "hate"


def flagged_hateful(cats):
    """Hateful HateCheck rows: any of hate.*, threat, insult."""
    return any(is_hate(c) or c in ("threat", "insult") for c in cats)


def flagged_hate_strict(cats):
    """Non-hateful HateCheck rows count as false positives on hate.*, threat."""
    return any(is_hate(c) or c == "threat" for c in cats)


def flagged_offensive(cats):
    """Davidson: insult, vulgarity or hate.*."""
    return any(is_hate(c) or c in ("insult", "vulgarity") for c in cats)


def flagged_spam(cats):
    """SMS: spam or any finer spam.* category."""
    return any(c == "spam" or c.startswith("spam.") for c in cats)


def has_kind(cats, kind):
    cat = "pii." + kind
    return any(c == cat or c.startswith(cat + ".") for c in cats)


# ---------------------------------------------------------------- utilities


def load_jsonl(path):
    if not os.path.isfile(path):
        raise EvalError("missing corpus file: %s" % path)
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def short(text, n=110):
    """A miss as printed: one line, truncated."""
    t = re.sub(r"\s+", " ", text).strip()
    return t if len(t) <= n else t[: n - 1] + "…"


def ratio(num, den):
    return num / den if den else float("nan")


def fmt(x):
    return "n/a" if x != x else "%.3f" % x


def meets(value, target):
    op, bound = target
    if value != value:
        return None
    return value >= bound if op == ">=" else value <= bound


def status(value, target):
    ok = meets(value, target)
    return "n/a" if ok is None else ("met" if ok else "NOT met")


class Scanner:
    """Runs vaglioctl scan --jsonl over a list of texts, timing it."""

    def __init__(self, vaglioctl, patterns):
        self.vaglioctl = vaglioctl
        self.patterns = patterns
        self.lines = 0
        self.seconds = 0.0
        if not (os.path.isfile(vaglioctl) and os.access(vaglioctl, os.X_OK)):
            raise EvalError("vaglioctl not found or not executable: %s "
                            "(build it, or pass --vaglioctl)" % vaglioctl)

    def command(self):
        cmd = [self.vaglioctl, "scan", "--jsonl"]
        if self.patterns:
            cmd += ["--patterns", self.patterns]
        return cmd

    def scan(self, texts):
        """One verdict (dict) per text, in order, and the seconds it took."""
        if not texts:
            return []
        data = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n"
                       for t in texts).encode("utf-8")
        with tempfile.TemporaryFile() as inp:
            inp.write(data)
            inp.seek(0)
            t0 = time.monotonic()
            proc = subprocess.run(self.command(), stdin=inp,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            elapsed = time.monotonic() - t0
        if proc.returncode != 0:
            raise EvalError("vaglioctl scan failed (exit %d): %s" % (
                proc.returncode, proc.stderr.decode("utf-8", "replace")[-2000:]))
        out = proc.stdout.decode("utf-8", "replace").splitlines()
        if len(out) != len(texts):
            raise EvalError("vaglioctl wrote %d verdicts for %d lines" %
                            (len(out), len(texts)))
        verdicts = []
        for i, line in enumerate(out):
            try:
                v = json.loads(line)
            except ValueError as e:
                raise EvalError("verdict %d is not JSON: %s" % (i + 1, e))
            if "categories" not in v or "findings" not in v or "verdict" not in v:
                raise EvalError("verdict %d lacks verdict/categories/findings" % (i + 1))
            nbytes = len(texts[i].encode("utf-8"))
            for f in v["findings"]:
                if not (isinstance(f.get("rule"), str) and isinstance(f.get("category"), str)
                        and 0 <= f.get("start", -1) <= f.get("end", -1) <= nbytes):
                    raise EvalError("verdict %d: malformed finding %r" % (i + 1, f))
            verdicts.append(v)
        self.lines += len(texts)
        self.seconds += elapsed
        return verdicts, elapsed


# ---------------------------------------------------------------- datasets

CORPUS_FILES = {
    "hatecheck-it": "hate/it/multilingual_hatecheck/hatecheck_cases_final_italian.jsonl",
    "hatecheck-en": "hate/en/hatecheck/test_suite_cases.jsonl",
    "davidson": "hate/en/davidson2017/labeled_data.jsonl",
    "sms": "spam/sms_spam_collection/SMSSpamCollection.jsonl",
}


def new_result(name, rows, elapsed):
    return {"name": name, "rows": rows, "seconds": elapsed,
            "summary": [], "tables": [], "misses": [], "fps": []}


def eval_hatecheck(name, rows, scanner):
    verdicts, elapsed = scanner.scan([r["text"] for r in rows])
    res = new_result(name, len(rows), elapsed)
    tp = pos = fp = neg = 0
    func = {}
    for r, v in zip(rows, verdicts):
        cats = v["categories"]
        f = (r.get("meta") or {}).get("functionality", "?")
        st = func.setdefault(f, {"label": r["label"], "n": 0, "flagged": 0})
        st["n"] += 1
        if r["label"] == "hateful":
            pos += 1
            hit = flagged_hateful(cats)
            tp += hit
            st["flagged"] += hit
            if not hit:
                res["misses"].append((f, r["text"], cats))
        else:
            neg += 1
            hit = flagged_hate_strict(cats)
            fp += hit
            st["flagged"] += hit
            if hit:
                res["fps"].append((f, r["text"], cats))
    t = TARGETS[name]
    res["summary"] = [
        ("recall (hateful flagged hate.*|threat|insult)", ratio(tp, pos), t["recall"],
         "%d/%d" % (tp, pos)),
        ("false-positive rate (non-hateful flagged hate.*|threat)", ratio(fp, neg),
         t["fpr"], "%d/%d" % (fp, neg)),
    ]
    table = []
    for f in sorted(func, key=lambda k: (func[k]["label"] != "hateful", k)):
        st = func[f]
        rate = ratio(st["flagged"], st["n"])
        what = "recall" if st["label"] == "hateful" else "FPR"
        table.append((f, st["label"], st["n"], what, fmt(rate)))
    res["tables"].append(("per functionality (recall on hateful ones, false-positive "
                          "rate on non-hateful ones)",
                          ("functionality", "label", "rows", "measure", "value"), table))
    return res


def eval_davidson(name, rows, scanner):
    verdicts, elapsed = scanner.scan([r["text"] for r in rows])
    res = new_result(name, len(rows), elapsed)
    tp = fp = fn = tn = 0
    bylabel = {}
    bycat = {}
    for r, v in zip(rows, verdicts):
        cats = v["categories"]
        positive = r["label"] in ("hate_speech", "offensive_language")
        hit = flagged_offensive(cats)
        st = bylabel.setdefault(r["label"], [0, 0])
        st[0] += 1
        st[1] += hit
        for c in set(cats):
            bc = bycat.setdefault(c, [0, 0])
            bc[0 if positive else 1] += 1
        if positive and hit:
            tp += 1
        elif positive:
            fn += 1
            res["misses"].append((r["label"], r["text"], cats))
        elif hit:
            fp += 1
            res["fps"].append((r["label"], r["text"], cats))
        else:
            tn += 1
    t = TARGETS[name]
    res["summary"] = [
        ("recall (hate_speech|offensive_language flagged insult|vulgarity|hate.*)",
         ratio(tp, tp + fn), t["recall"], "%d/%d" % (tp, tp + fn)),
        ("precision", ratio(tp, tp + fp), t["precision"], "%d/%d" % (tp, tp + fp)),
        ("false-positive rate (neither flagged)", ratio(fp, fp + tn), None,
         "%d/%d" % (fp, fp + tn)),
    ]
    res["tables"].append(("per label (share flagged insult|vulgarity|hate.*)",
                          ("label", "rows", "flagged", "share"),
                          [(k, n, h, fmt(ratio(h, n))) for k, (n, h) in sorted(bylabel.items())]))
    res["tables"].append(("per category (rows where it fires)",
                          ("category", "on hate/offensive", "on neither"),
                          [(c, a, b) for c, (a, b) in sorted(bycat.items())]))
    return res


def eval_sms(name, rows, scanner):
    verdicts, elapsed = scanner.scan([r["text"] for r in rows])
    res = new_result(name, len(rows), elapsed)
    tp = pos = fp = neg = 0
    bycat = {}
    for r, v in zip(rows, verdicts):
        cats = v["categories"]
        hit = flagged_spam(cats)
        spam = r["label"] == "spam"
        for c in set(cats):
            bc = bycat.setdefault(c, [0, 0])
            bc[0 if spam else 1] += 1
        if spam:
            pos += 1
            tp += hit
            if not hit:
                res["misses"].append(("spam", r["text"], cats))
        else:
            neg += 1
            fp += hit
            if hit:
                res["fps"].append(("ham", r["text"], cats))
    t = TARGETS[name]
    res["summary"] = [
        ("recall (spam flagged spam*)", ratio(tp, pos), t["recall"], "%d/%d" % (tp, pos)),
        ("ham flagged spam*", ratio(fp, neg), t["fpr"], "%d/%d" % (fp, neg)),
        ("precision", ratio(tp, tp + fp), None, "%d/%d" % (tp, tp + fp)),
    ]
    res["tables"].append(("per category (rows where it fires)",
                          ("category", "on spam", "on ham"),
                          [(c, a, b) for c, (a, b) in sorted(bycat.items())]))
    return res


# PII: the sentence templates are fixed; the vectors rotate through them.
PII_TEMPLATES = {
    "email": [
        "Per informazioni scrivetemi a {} e vi rispondo subito.",
        "Il mio indirizzo e' {}",
        "Contact me at {} for details.",
        "mandate il curriculum a: {}, grazie!",
    ],
    "iban": [
        "Per le donazioni l'IBAN e' {} intestato all'associazione.",
        "fate il bonifico su {} grazie",
        "Please send the money to IBAN {} by Friday.",
        "Coordinate bancarie: {}.",
    ],
    "card": [
        "Ho pagato con la carta {} ma non e' arrivato nulla.",
        "my card number is {} and it was charged twice",
        "Numero carta: {}, scadenza 04/27.",
        "ecco la mia carta {} addebitate pure",
    ],
    "fiscal_code": [
        "Il mio codice fiscale e' {} se serve.",
        "CF: {} (Mario)",
        "codice fiscale {} per la pratica",
        "Vi scrivo il codice {}, controllate voi.",
    ],
    "phone": [
        "Chiamatemi al {} dopo le 18.",
        "il mio numero e' {} scrivetemi su whatsapp",
        "Call me on {} tomorrow.",
        "Per info: {}.",
    ],
    "vat": [
        "La nostra P.IVA e' {} come da fattura.",
        "partita iva {}",
    ],
    "id_document": [
        "Il numero della carta d'identita' e' {}.",
        "passaporto n. {}",
    ],
}

_CF_ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                   [1, 0, 5, 7, 9, 13, 15, 17, 19, 21] +
                   [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12,
                    14, 16, 10, 22, 25, 24, 23]))
_CF_FORMAT = re.compile(r"^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}"
                        r"[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$")


def fiscal_code_ok(code):
    """The control character by the algorithm of DM 23/12/1976."""
    c = code.upper()
    if not _CF_FORMAT.match(c):
        return False
    total = 0
    for i, ch in enumerate(c[:15]):
        if i % 2 == 0:
            total += _CF_ODD[ch]
        else:
            total += int(ch) if ch.isdigit() else ord(ch) - ord("A")
    return chr(ord("A") + total % 26) == c[15]


def vat_it_ok(text):
    """The check digit of a partita IVA (optional "IT"), as the algorithm says."""
    t = text.strip().upper()
    if t.startswith("IT"):
        t = t[2:].strip()
    if not re.match(r"^[0-9]{11}$", t):
        return False
    total = 0
    for k, ch in enumerate(t[:10]):
        v = int(ch)
        if k % 2 == 1:
            v = v * 2 - 9 if v * 2 > 9 else v * 2
        total += v
    return int(t[10]) == (10 - total % 10) % 10


def pii_vectors(corpus):
    """(kind, text, valid, source) for every vector the PII figures use."""
    vj = load_jsonl(os.path.join(corpus, "pii/validatorjs/validator_test_vectors.jsonl"))
    vj_cards = load_jsonl(os.path.join(corpus, "pii/validatorjs/credit_cards.jsonl"))
    it = load_jsonl(os.path.join(corpus, "pii/validatorjs/italy_subset.jsonl"))
    ib = load_jsonl(os.path.join(corpus, "pii/ibantools/ibantools_test_vectors.jsonl"))
    cf = load_jsonl(os.path.join(corpus, "pii/codice_fiscale/codice-fiscale-js_vectors.jsonl"))
    ph = load_jsonl(os.path.join(corpus, "pii/phone/libphonenumber-js/examples.mobile.jsonl"))
    out = []
    seen = set()
    notes = []

    def add(kind, text, valid, source):
        key = (kind, text, valid)
        if key not in seen:
            seen.add(key)
            out.append((kind, text, valid, source))

    for r in vj:
        m = r.get("meta") or {}
        val = m.get("validator")
        if val == "isEmail" and r["label"] == "valid":
            add("email", r["text"], True, "validator.js isEmail")
        elif val == "isIBAN":
            if r["label"] == "valid":
                add("iban", r["text"], True, "validator.js isIBAN")
            elif m.get("mod97_ok") is False:
                add("iban", r["text"], False, "validator.js isIBAN")
    for r in vj_cards:
        m = r.get("meta") or {}
        if m.get("validator") != "isCreditCard":
            continue
        if r["label"] == "valid":
            add("card", r["text"], True, "validator.js isCreditCard")
        elif m.get("luhn_ok") is False and re.search(r"[0-9]{12}", re.sub(r"[ -]", "", r["text"])):
            # checksum-invalid card numbers (not "foo" or a short number)
            add("card", r["text"], False, "validator.js isCreditCard")
    for r in ib:
        m = r.get("meta") or {}
        if m.get("function") != "isValidIBAN":
            continue
        if r["label"] == "valid":
            add("iban", r["text"], True, "ibantools isValidIBAN")
        elif m.get("mod97_ok") is False:
            add("iban", r["text"], False, "ibantools isValidIBAN")
    # Fiscal codes: the label is the algorithm's, whatever the source says.
    for r, src in [(r, "codice-fiscale-js") for r in cf] + \
                  [(r, "validator.js isTaxID it-IT") for r in it
                   if (r.get("meta") or {}).get("validator") == "isTaxID"]:
        text = r["text"]
        if not _CF_FORMAT.match(text.upper()):
            continue  # not sixteen characters of the format: not a checksum case
        ok = fiscal_code_ok(text)
        if ok != (r["label"] == "valid"):
            notes.append("fiscal code %s: %s says %s, the control character says %s; "
                         "the algorithm wins" % (text, src, r["label"],
                                                 "valid" if ok else "invalid"))
        add("fiscal_code", text, ok, src)
    for r in it:
        m = r.get("meta") or {}
        if m.get("validator") == "isMobilePhone" and r["label"] == "valid":
            add("phone", r["text"], True, "validator.js isMobilePhone it-IT")
        elif m.get("validator") == "isVAT":
            ok = vat_it_ok(r["text"])
            if ok != (r["label"] == "valid"):
                notes.append("partita IVA %s: validator.js isVAT IT says %s, the check "
                             "digit says %s; the algorithm wins" % (
                                 r["text"], r["label"], "valid" if ok else "invalid"))
            add("vat", r["text"], ok, "validator.js isVAT IT")
        elif m.get("validator") in ("isIdentityCard", "isPassportNumber") and r["label"] == "valid":
            add("id_document", r["text"], True, "validator.js %s IT" % m["validator"])
    # No source has a partita IVA with a right check digit: two computed ones.
    for text in ("12345670017", "IT01234561205"):
        add("vat", text, vat_it_ok(text), "computed (check digit)")
    for r in ph:
        m = r.get("meta") or {}
        if m.get("region") == "IT":
            add("phone", r["text"], True, "libphonenumber-js IT")
            if m.get("e164"):
                add("phone", m["e164"], True, "libphonenumber-js IT (E.164)")
    return out, notes


def eval_pii(name, vectors, notes, scanner):
    texts = []
    index = []  # (vector number, form)
    counters = {}
    for i, (kind, text, valid, _src) in enumerate(vectors):
        n = counters.get((kind, valid), 0)
        counters[(kind, valid)] = n + 1
        tpl = PII_TEMPLATES[kind][n % len(PII_TEMPLATES[kind])]
        texts.append(text)
        index.append((i, "alone"))
        texts.append(tpl.format(text))
        index.append((i, "embedded"))
    verdicts, elapsed = scanner.scan(texts)
    res = new_result(name, len(texts), elapsed)
    stats = {}
    for (i, form), text, v in zip(index, texts, verdicts):
        kind, vec, valid, src = vectors[i]
        hit = has_kind(v["categories"], kind)
        st = stats.setdefault((kind, valid, form), [0, 0])
        st[0] += 1
        st[1] += hit
        label = "%s %s %s (%s)" % (kind, "valid" if valid else "invalid", form, src)
        if kind == "id_document" and form == "alone":
            pass  # weak identifiers: only near a context word, by design
        elif valid and not hit:
            res["misses"].append((label, text, v["categories"]))
        elif not valid and hit:
            res["fps"].append((label, text, v["categories"]))
    t = TARGETS[name]
    table = []
    worst_valid = float("inf")
    worst_invalid = 0.0
    for kind in PII_KINDS + PII_INFO_KINDS:
        info = kind in PII_INFO_KINDS
        for valid in (True, False):
            for form in ("alone", "embedded"):
                if (kind, valid, form) not in stats:
                    continue
                n, h = stats[(kind, valid, form)]
                r = ratio(h, n)
                target = None if info else (t["valid"] if valid else t["invalid"])
                note = "(info)"
                if kind == "id_document" and form == "alone":
                    note = "(info: no context word, 0 by design)"
                if target and valid:
                    worst_valid = min(worst_valid, r)
                elif target:
                    worst_invalid = max(worst_invalid, r)
                what = ("detected" if valid else "reported") + " as pii." + kind
                table.append((kind, "valid" if valid else "checksum-invalid", form, n,
                              what, fmt(r),
                              "%s %.2f" % target if target else note,
                              status(r, target) if target else ""))
    res["summary"] = [
        ("lowest share of valid vectors detected (any kind, alone or embedded)",
         worst_valid if worst_valid != float("inf") else float("nan"), t["valid"], ""),
        ("highest share of checksum-invalid vectors reported as their kind",
         worst_invalid, t["invalid"], ""),
    ]
    res["tables"].append(("per kind and form",
                          ("kind", "vectors", "form", "n", "measure", "value", "target",
                           "status"), table))
    res["notes"] = notes
    return res


# ---------------------------------------------------------------- sample

# A tiny built-in sample (written for this tool, not taken from any corpus):
# it exercises every code path of the tool in a few milliseconds, for ctest.
SAMPLE = {
    "hatecheck-it": [
        ("Sei un idiota.", "hateful", "derog_dehum_h"),
        ("Buongiorno a tutti, bella giornata.", "non-hateful", "neutral_pos_nh"),
    ],
    "hatecheck-en": [
        ("You are an idiot.", "hateful", "derog_dehum_h"),
        ("What a lovely morning.", "non-hateful", "neutral_pos_nh"),
    ],
    "davidson": [
        ("you are a fucking idiot", "offensive_language", None),
        ("see you at the game tonight", "neither", None),
    ],
    "sms": [
        ("WINNER! Claim your free prize now, txt WIN to 80000", "spam", None),
        ("I'll be home late, save me some dinner", "ham", None),
    ],
}
SAMPLE_PII = [
    ("email", "mario.rossi@example.com", True, "sample"),
    ("iban", "IT60X0542811101000000123456", True, "sample"),
    ("iban", "IT60X0542811101000000123457", False, "sample"),
    ("card", "4111 1111 1111 1111", True, "sample"),
    ("card", "4111 1111 1111 1112", False, "sample"),
    ("fiscal_code", "RSSMRA85T10A562S", True, "sample"),
    ("phone", "333 123 4567", True, "sample"),
]


def sample_rows(name):
    return [{"text": t, "label": lab, "meta": {"functionality": f} if f else {}}
            for t, lab, f in SAMPLE[name]]


# ---------------------------------------------------------------- throughput


def throughput(scanner, corpus, lines, sample):
    """Scan `lines` lines made of the corpora's texts (cycled), as issue 3 asks."""
    pool = []
    if sample:
        for name in SAMPLE:
            pool += [t for t, _l, _f in SAMPLE[name]]
    else:
        for rel in CORPUS_FILES.values():
            pool += [r["text"] for r in load_jsonl(os.path.join(corpus, rel))]
    texts = [pool[i % len(pool)] for i in range(lines)]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    _v, elapsed = scanner.scan(texts)
    return {"lines": lines, "bytes": nbytes, "seconds": elapsed}


# ---------------------------------------------------------------- expensive rules


def expensive_costs(vaglioctl, patterns, corpus, lines, sample):
    """The scan time each rule marked expensive costs on a reference corpus.

    `vaglioctl check` lists the rules without a 3-byte literal; here each is
    compiled alone (its line, in a section of its own) and timed over the
    reference texts against a one-literal baseline set. Returns (rows, note).
    """
    p = subprocess.run([vaglioctl, "check", patterns], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    out = p.stdout.decode("utf-8", "replace")
    listed = re.findall(r"^(\S+?):(\d+): (\S+) \(([^)]*)\)$", out, re.M)
    pool = []
    if sample:
        for name in SAMPLE:
            pool += [t for t, _l, _f in SAMPLE[name]]
    else:
        for rel in CORPUS_FILES.values():
            pool += [r["text"] for r in load_jsonl(os.path.join(corpus, rel))]
    texts = [pool[i % len(pool)] for i in range(lines)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        def timed(body):
            with open(os.path.join(tmp, "probe.txt"), "w", encoding="utf-8") as f:
                f.write("[cost.probe]\ncategory: spam\nscore: 1\nexpensive: yes\n\n" +
                        body + "\n")
            sc = Scanner(vaglioctl, tmp)
            best = float("inf")
            for _ in range(2):  # the better of two rounds: the machine is shared
                try:
                    _v, el = sc.scan(texts)
                except EvalError:
                    return None
                best = min(best, el)
            return best

        base = timed("zqxjvkw")
        for path, line, rule, why in listed:
            try:
                with open(path if os.path.isabs(path) else os.path.join(REPO, path),
                          encoding="utf-8") as f:
                    text = f.read().splitlines()[int(line) - 1]
            except (OSError, IndexError):
                continue
            t = timed(text)
            if t is None or base is None:
                rows.append((rule, "%s:%s" % (os.path.relpath(path, REPO)
                                              if os.path.isabs(path) else path, line),
                             "could not be compiled alone", ""))
                continue
            extra = max(0.0, t - base)
            rows.append((rule, "%s:%s" % (os.path.relpath(path, REPO)
                                          if os.path.isabs(path) else path, line),
                         "%.0f ms" % (extra * 1000),
                         "%.1f µs" % (extra * 1e6 / max(1, len(texts)))))
    note = ("each rule marked expensive compiled alone and run over %d lines of the "
            "corpora's texts; the cost is its scan time above a one-literal set (best of "
            "two rounds, start-up excluded by the difference; noisy on a shared machine)"
            % len(texts))
    return rows, note


# ---------------------------------------------------------------- reports


def print_result(res, misses):
    print("== %s: %d rows scanned in %.2f s (%.0f lines/s)" % (
        res["name"], res["rows"], res["seconds"], ratio(res["rows"], res["seconds"])))
    for label, value, target, frac in res["summary"]:
        tgt = ("target %s %.2f: %s" % (target[0], target[1], status(value, target))
               if target else "")
        print("  %-72s %s %-11s %s" % (label, fmt(value), frac, tgt))
    for title, header, rows in res["tables"]:
        print("  -- %s" % title)
        widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else []
        for row in [header] + list(rows):
            print("     " + "  ".join(str(x).ljust(w) for x, w in zip(row, widths)))
    for note in res.get("notes", []):
        print("  note: " + note)
    if misses:
        for title, items in (("misses", res["misses"]), ("false positives", res["fps"])):
            print("  -- %s (%d, first %d)" % (title, len(items), min(misses, len(items))))
            for what, text, cats in items[:misses]:
                print("     [%s] %s  -> %s" % (what, short(text), ",".join(cats) or "-"))
    print()


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(x).replace("|", "\\|") for x in r) + " |")
    return "\n".join(out)


DESCRIPTIONS = {
    "hatecheck-it": "Multilingual HateCheck, Italian (`hate/it/multilingual_hatecheck`). "
                    "Hateful rows count as caught when flagged with any of `hate.*`, "
                    "`threat`, `insult`; non-hateful rows count as false positives when "
                    "flagged with `hate.*` or `threat`.",
    "hatecheck-en": "HateCheck, English (`hate/en/hatecheck`), same mapping as the "
                    "Italian one.",
    "davidson": "Davidson et al. 2017 tweets (`hate/en/davidson2017`): `hate_speech` and "
                "`offensive_language` are positive, `neither` negative; a row is flagged "
                "when it gets `insult`, `vulgarity` or any `hate.*`.",
    "sms": "UCI SMS Spam Collection (`spam/sms_spam_collection`): `spam` rows should be "
           "flagged `spam` or `spam.*`; `ham` rows flagged so are false positives.",
    "pii": "PII vectors: valid e-mails (validator.js isEmail), IBANs (validator.js "
           "isIBAN, ibantools isValidIBAN), card numbers (validator.js isCreditCard), "
           "Italian fiscal codes (codice-fiscale-js, validator.js isTaxID it-IT; valid "
           "means the control character is right by the standard algorithm) and Italian "
           "phone numbers (validator.js isMobilePhone it-IT, libphonenumber-js IT, "
           "national and E.164 forms), each scanned alone and inside a fixed sentence "
           "template (`PII_TEMPLATES` in `tests/eval/eval.py`). A vector counts when the "
           "verdict carries the right `pii.*` category. Checksum-invalid vectors are "
           "those whose checksum annotation (`mod97_ok`, `luhn_ok`, control character) is "
           "false. Italian VAT numbers (validator.js isVAT IT, labelled by the check digit) and "
           "identity documents (validator.js isIdentityCard/isPassportNumber IT, detected "
           "only near a context word) are shown for information.",
}


def write_markdown(path, results, tput, costs, rules):
    today = datetime.date.today().isoformat()
    L = []
    L.append("# Detection quality")
    L.append("")
    L.append("How well vaglio's pattern set catches what a page's netiquette forbids, "
             "measured on public labelled corpora that nobody here wrote (the targets are "
             "those of issue 3). Generated by `tests/eval/eval.py` on %s; %s." % (
                 today, rules or "rule count unknown"))
    L.append("")
    L.append("Regenerate it (Release build, from the repository root):")
    L.append("")
    L.append("```sh")
    L.append("cmake -S . -B build-qa -DCMAKE_BUILD_TYPE=Release && cmake --build build-qa -j2")
    L.append("tests/eval/eval.py --vaglioctl build-qa/vaglioctl --markdown docs/quality.md")
    L.append("tests/eval/eval.py --dataset sms --misses 30    # one dataset, with its misses")
    L.append("```")
    L.append("")
    L.append("The corpora live in `../shared/corpus` (`--corpus DIR` elsewhere); their "
             "README names sources and licences. Development sets: a sealed set that "
             "nobody here has seen is run with the same tool.")
    L.append("")
    L.append("## Summary")
    L.append("")
    rows = []
    for res in results:
        for label, value, target, frac in res["summary"]:
            rows.append((res["name"], label, fmt(value) + (" (%s)" % frac if frac else ""),
                         "%s %.2f" % target if target else "", status(value, target)
                         if target else ""))
    L.append(md_table(("dataset", "measure", "measured", "target", "status"), rows))
    L.append("")
    if tput:
        L.append("Throughput: %d lines (%.1f MB of the corpora's texts, cycled) through "
                 "`vaglioctl scan --jsonl` in %.2f s, %.0f lines/s, including the start-up "
                 "(pattern compilation) and JSON in and out; one core. Issue 3 asks for "
                 "100,000 lines in a few seconds." % (
                     tput["lines"], tput["bytes"] / 1e6, tput["seconds"],
                     ratio(tput["lines"], tput["seconds"])))
        L.append("")
    if costs:
        L.append("## Rules without a 3-byte literal (`expensive`)")
        L.append("")
        L.append("`vaglioctl check` lists them; their measured cost: " + costs[1] + ".")
        L.append("")
        L.append(md_table(("rule", "where", "extra scan time", "per line"), costs[0]))
        L.append("")
    for res in results:
        L.append("## %s" % res["name"])
        L.append("")
        L.append(DESCRIPTIONS.get(res["name"], ""))
        L.append("")
        L.append("%d texts scanned in %.2f s." % (res["rows"], res["seconds"]))
        L.append("")
        for title, header, trows in res["tables"]:
            L.append("**%s**" % title.capitalize())
            L.append("")
            L.append(md_table(header, trows))
            L.append("")
        for note in res.get("notes", []):
            L.append("- " + note)
        if res.get("notes"):
            L.append("")
    L.append("## How the tool works")
    L.append("")
    L.append("`tests/eval/eval.py` (Python 3, standard library only) feeds each dataset "
             "to `vaglioctl scan --jsonl` as one `{\"text\": ...}` per line and reads one "
             "verdict per line back, then applies the label mappings above. Options: "
             "`--dataset NAME` (repeatable: %s), `--misses N` prints up to N misses and N "
             "false positives per dataset (text truncated, never in this report), "
             "`--markdown FILE` writes this report, `--vaglioctl PATH` (default "
             "`$VG_BUILD_DIR/vaglioctl`, else `build-qa/vaglioctl`), `--patterns DIR`, "
             "`--corpus DIR`, `--throughput N` (lines for the timing run, 0 to skip), "
             "`--cost-lines N` (lines for timing each rule marked expensive, 0 to skip), "
             "`--sample` runs a built-in sample instead of the corpora (the ctest "
             "`eval.sample` does, so a broken tool fails the suite; low figures never "
             "do). The exit status is 0 whatever the figures." % ", ".join(DATASETS))
    L.append("")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(L))


def rule_count(vaglioctl, patterns):
    cmd = [vaglioctl, "check"] + [patterns or os.path.join(REPO, "patterns")]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"(\d+) rules in (\d+) sections", p.stdout.decode("utf-8", "replace"))
    return "%s rules in %s sections" % m.groups() if m else None


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_bin = os.path.join(os.environ["VG_BUILD_DIR"], "vaglioctl") \
        if os.environ.get("VG_BUILD_DIR") else os.path.join(REPO, "build-qa", "vaglioctl")
    ap.add_argument("--vaglioctl", default=default_bin)
    ap.add_argument("--corpus", default=os.path.normpath(os.path.join(REPO, "..", "shared",
                                                                      "corpus")))
    ap.add_argument("--patterns", default=os.environ.get("VAGLIO_PATTERNS") or
                    os.path.join(REPO, "patterns"),
                    help="pattern directory (default: the repository's patterns/)")
    ap.add_argument("--dataset", action="append", choices=DATASETS)
    ap.add_argument("--misses", type=int, default=0, metavar="N")
    ap.add_argument("--markdown", metavar="FILE")
    ap.add_argument("--throughput", type=int, default=None, metavar="LINES",
                    help="lines for the timing run (default 100000, or 200 with "
                         "--sample; 0 skips it)")
    ap.add_argument("--cost-lines", type=int, default=None, metavar="LINES",
                    help="lines for timing each expensive rule (default 20000 for a "
                         "full run, 0 with --sample; 0 skips it)")
    ap.add_argument("--sample", action="store_true",
                    help="run the built-in sample instead of the corpora")
    args = ap.parse_args(argv)
    names = args.dataset or DATASETS
    try:
        scanner = Scanner(args.vaglioctl, args.patterns)
        results = []
        for name in names:
            if name == "pii":
                if args.sample:
                    vectors, notes = SAMPLE_PII, []
                else:
                    vectors, notes = pii_vectors(args.corpus)
                res = eval_pii(name, vectors, notes, scanner)
            else:
                rows = sample_rows(name) if args.sample else \
                    load_jsonl(os.path.join(args.corpus, CORPUS_FILES[name]))
                if name.startswith("hatecheck"):
                    res = eval_hatecheck(name, rows, scanner)
                elif name == "davidson":
                    res = eval_davidson(name, rows, scanner)
                else:
                    res = eval_sms(name, rows, scanner)
            print_result(res, args.misses)
            results.append(res)
        lines = args.throughput if args.throughput is not None else \
            (200 if args.sample else (100000 if args.dataset is None else 0))
        tput = throughput(scanner, args.corpus, lines, args.sample) if lines > 0 else None
        if tput:
            print("throughput: %d lines, %.1f MB in %.2f s: %.0f lines/s "
                  "(start-up and JSON included)" % (
                      tput["lines"], tput["bytes"] / 1e6, tput["seconds"],
                      ratio(tput["lines"], tput["seconds"])))
        costs = None
        clines = args.cost_lines if args.cost_lines is not None else \
            (0 if args.sample else (20000 if args.dataset is None else 0))
        if clines > 0:
            costs = expensive_costs(args.vaglioctl, args.patterns, args.corpus, clines,
                                    args.sample)
            print("rules marked expensive, " + costs[1] + ":")
            for row in costs[0]:
                print("  %-40s %-32s %10s %10s" % row)
        rules = rule_count(args.vaglioctl, args.patterns)
        if rules:
            print("pattern set: " + rules)
        if args.markdown:
            write_markdown(args.markdown, results, tput, costs, rules)
            with open(args.markdown, encoding="utf-8") as f:
                report = f.read()
            for res in results:
                if "## %s" % res["name"] not in report:
                    raise EvalError("the report lacks the section of " + res["name"])
            print("report written to " + args.markdown)
    except EvalError as e:
        print("eval: " + str(e), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
