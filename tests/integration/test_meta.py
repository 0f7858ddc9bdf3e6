# SPDX-License-Identifier: Apache-2.0
"""End-to-end: signed Meta webhooks over TLS into vagliod, decisions in a real
Redis, actions at a fake Graph API. One function per scenario; each builds
its own world (see harness.py)."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time

from harness import (APP_SECRET, IG_ACCOUNT, PAGE_ID, PAGE_TOKEN, VERIFY_TOKEN, World,
                     delivery, fb_change, fb_comment_id, ig_change, sign, wait_until)

INSULT = "Sei proprio un coglione, vergognati"
INSULT2 = "Che stronzo che sei"
CLEAN = "Grazie per le informazioni, molto utili!"
THREAT = "Stai attento, ti ammazzo appena ti vedo"
PHONE = "Per info chiamatemi al 347 123 4567 dopo le 18"


@contextlib.contextmanager
def world(**kw):
    w = World(**kw)
    ok = False
    try:
        yield w
        ok = True
    finally:
        if not ok:
            print("---- vagliod log (tail) ----")
            try:
                print(w.log()[-6000:])
            except OSError:
                pass
        w.close(failed=not ok)


def paths(calls):
    return [(c.method, c.path) for c in calls]


# ---- handshake and routing -------------------------------------------------------------

def test_handshake_ok():
    with world() as w:
        w.start()
        status, body = w.get("/webhooks/meta/demo?hub.mode=subscribe&hub.verify_token=%s"
                             "&hub.challenge=1158201444" % VERIFY_TOKEN)
        assert status == 200, status
        assert body == b"1158201444", body


def test_handshake_wrong_token():
    with world() as w:
        w.start()
        status, _ = w.get("/webhooks/meta/demo?hub.mode=subscribe&hub.verify_token=nope"
                          "&hub.challenge=1158201444")
        assert status == 403, status


def test_unknown_tenant_404():
    with world() as w:
        w.start()
        body = delivery([fb_change("900000000000001", INSULT)])
        status, _ = w.post(body, tenant="nobody")
        assert status == 404, status
        assert w.graph.quiet(0.3) == []


# ---- the ladder ------------------------------------------------------------------------

def test_clean_comment_no_call():
    with world() as w:
        w.start()
        status, body = w.post(delivery([fb_change("900000000000001", CLEAN)]))
        assert status == 200, (status, body)
        assert w.graph.quiet() == []


def test_first_insult_hide_and_warning():
    with world() as w:
        w.start()
        cid = fb_comment_id("900000000000001")
        status, _ = w.post(delivery([fb_change("900000000000001", INSULT)]))
        assert status == 200
        calls = w.graph.wait(2)
        assert paths(calls) == [("POST", "/" + cid), ("POST", "/%s/messages" % PAGE_ID)], calls
        assert calls[0].params.get("is_hidden") == "true", calls[0].params
        assert calls[0].token == PAGE_TOKEN
        msg = calls[1].params
        assert msg["recipient"]["comment_id"] == cid, msg
        assert "netiquette" in msg["message"]["text"], msg
        assert w.graph.quiet(0.5) == calls  # nothing more: no block


def test_second_insult_hide_and_block():
    with world() as w:
        w.start()
        w.post(delivery([fb_change("900000000000001", INSULT)]))
        w.graph.wait(2)
        cid2 = fb_comment_id("900000000000002")
        status, _ = w.post(delivery([fb_change("900000000000002", INSULT2)]))
        assert status == 200
        calls = w.graph.wait(4)[2:]
        assert paths(calls) == [("POST", "/" + cid2), ("POST", "/%s/blocked" % PAGE_ID)], calls
        assert calls[1].params.get("user") == "7000000000000001", calls[1].params
        # No warning after a block, and one block per author.
        w.post(delivery([fb_change("900000000000003", INSULT)]))
        later = w.graph.quiet(1.0)[4:]
        assert paths(later) == [("POST", "/" + fb_comment_id("900000000000003"))], later


def test_pii_delete_and_no_strike():
    with world() as w:
        w.start()
        cid = fb_comment_id("900000000000001")
        status, _ = w.post(delivery([fb_change("900000000000001", PHONE)]))
        assert status == 200
        calls = w.graph.wait(1)
        assert paths(calls) == [("DELETE", "/" + cid)], calls
        # No strike: the same author's first insult gets a warning, not a block.
        w.post(delivery([fb_change("900000000000002", INSULT)]))
        calls = w.graph.wait(3)[1:]
        assert paths(calls) == [("POST", "/" + fb_comment_id("900000000000002")),
                                ("POST", "/%s/messages" % PAGE_ID)], calls


def test_threat_blocks_at_once():
    with world() as w:
        w.start()
        cid = fb_comment_id("900000000000001")
        w.post(delivery([fb_change("900000000000001", THREAT)]))
        calls = w.graph.wait(2)
        assert paths(calls) == [("POST", "/" + cid), ("POST", "/%s/blocked" % PAGE_ID)], calls
        assert w.redis_cli("--scan", "--pattern", "vg:*:r") != "", "threat opens a review item"


# ---- dedupe, edits, restarts -----------------------------------------------------------

def test_duplicate_delivery_acts_once():
    with world() as w:
        w.start()
        body = delivery([fb_change("900000000000001", INSULT)])
        assert w.post(body)[0] == 200
        assert w.post(body)[0] == 200
        calls = w.graph.wait(2)
        assert len(w.graph.quiet(1.0)) == 2, calls
        # Across a restart of vagliod: still one set of actions.
        assert w.stop() == 0
        w.start()
        assert w.post(body)[0] == 200
        assert len(w.graph.quiet(1.0)) == 2


def test_edit_is_rescanned():
    with world() as w:
        w.start()
        w.post(delivery([fb_change("900000000000001", CLEAN)]))
        assert w.graph.quiet(0.5) == []
        w.post(delivery([fb_change("900000000000001", INSULT, verb="edited")]))
        calls = w.graph.wait(2)
        assert paths(calls)[0] == ("POST", "/" + fb_comment_id("900000000000001")), calls
        # The same edit again (a redelivery) does nothing more; a second
        # violating edit of the same comment earns no second strike.
        w.post(delivery([fb_change("900000000000001", INSULT2, verb="edited")]))
        calls = w.graph.quiet(1.0)
        assert [c.path for c in calls].count("/%s/blocked" % PAGE_ID) == 0, calls


def test_unhide_pins_the_comment():
    with world() as w:
        w.start()
        w.post(delivery([fb_change("900000000000001", INSULT)]))
        w.graph.wait(2)
        w.post(delivery([fb_change("900000000000001", "", verb="unhide")]))
        w.post(delivery([fb_change("900000000000001", INSULT2 + "!", verb="edited")]))
        assert len(w.graph.quiet(1.0)) == 2, "a comment a human unhid is never acted on again"


# ---- signatures and bodies ---------------------------------------------------------------

def test_bad_signature_refused():
    with world() as w:
        w.start()
        body = delivery([fb_change("900000000000001", INSULT)])
        assert w.post(body, signature="sha256=" + "0" * 64)[0] in (401, 403)
        assert w.post(body, signature=None)[0] in (401, 403)
        assert w.post(body, signature=sign(body, "another-secret"))[0] in (401, 403)
        assert w.post(body + b" ", signature=sign(body))[0] in (401, 403)
        assert w.graph.quiet(0.5) == []


def test_unicode_escapes_verified_on_raw_bytes():
    with world() as w:
        w.start()
        # Pretty-printed with spaces, non-ASCII escaped as \\uXXXX: signed as sent.
        text = "Perch\u00e9 sei cos\u00ec coglione? \U0001F621 citt\u00e0"
        body = delivery([fb_change("900000000000001", text)], indent=2)
        assert b"\\u00e9" in body and b"\\ud83d" in body and b"\n  " in body
        assert w.post(body)[0] == 200
        calls = w.graph.wait(2)
        assert calls[0].path == "/" + fb_comment_id("900000000000001")


def test_batch_of_entries_and_changes():
    with world() as w:
        w.start()
        doc = {"object": "page", "entry": [
            {"id": PAGE_ID, "time": 1767225605, "changes": [
                fb_change("900000000000001", CLEAN, author="7000000000000011"),
                fb_change("900000000000002", INSULT, author="7000000000000012")]},
            {"id": PAGE_ID, "time": 1767225606, "changes": [
                fb_change("900000000000003", PHONE, author="7000000000000013"),
                fb_change("900000000000004", CLEAN, author="7000000000000014")]}]}
        body = json.dumps(doc, separators=(",", ":")).encode()
        assert w.post(body)[0] == 200
        calls = w.graph.wait(3)
        got = sorted(paths(w.graph.quiet(0.8)))
        assert got == sorted([("POST", "/" + fb_comment_id("900000000000002")),
                              ("POST", "/%s/messages" % PAGE_ID),
                              ("DELETE", "/" + fb_comment_id("900000000000003"))]), calls


def test_page_own_comment_ignored():
    with world() as w:
        w.start()
        w.post(delivery([fb_change("900000000000001", INSULT, author=PAGE_ID)]))
        assert w.graph.quiet() == []


def test_body_too_large_413():
    with world(config={"http": {"max_body": 65536}}) as w:
        w.start()
        big = delivery([fb_change("900000000000001", "x" * 70000)])
        status, _ = w.post(big)
        assert status == 413, status
        assert w.get("/healthz")[0] == 200


def test_malformed_json_400():
    with world() as w:
        w.start()
        body = b'{"object":"page","entry":[{'
        assert w.post(body)[0] == 400


# ---- Instagram -------------------------------------------------------------------------

def test_instagram_comment_reply_then_hide():
    with world() as w:
        w.start()
        body = delivery([ig_change("18000000000000002", INSULT)], obj="instagram",
                        entry_id=IG_ACCOUNT)
        assert w.post(body)[0] == 200
        calls = w.graph.wait(2)
        assert paths(calls) == [("POST", "/18000000000000002/replies"),
                                ("POST", "/18000000000000002")], calls
        assert calls[1].params.get("hide") == "true", calls[1].params
        assert "netiquette" in calls[0].params.get("message", ""), calls[0].params
        # Second violation: Instagram has no block API; later comments are hidden.
        w.post(delivery([ig_change("18000000000000003", INSULT2)], obj="instagram",
                        entry_id=IG_ACCOUNT))
        w.graph.wait(3)
        w.post(delivery([ig_change("18000000000000004", CLEAN)], obj="instagram",
                        entry_id=IG_ACCOUNT))
        calls = w.graph.wait(4)
        assert paths(calls)[2:] == [("POST", "/18000000000000003"),
                                    ("POST", "/18000000000000004")], calls


# ---- failures -----------------------------------------------------------------------------

def test_redis_down_503_and_readyz():
    with world() as w:
        w.start()
        w.stop_redis()
        t0 = time.monotonic()
        wait_until(lambda: w.get("/readyz")[0] == 503, 3, what="readyz 503")
        assert time.monotonic() - t0 < 2.0
        status, _ = w.post(delivery([fb_change("900000000000001", INSULT)]))
        assert status == 503, status
        assert w.get("/healthz")[0] == 200
        w.start_redis()
        wait_until(lambda: w.get("/readyz")[0] == 200, 10, what="readyz back")
        assert w.post(delivery([fb_change("900000000000001", INSULT)]))[0] == 200
        w.graph.wait(2)


def test_platform_failing_twice_lands_once():
    with world() as w:
        w.start()
        cid = fb_comment_id("900000000000001")
        w.graph.fail("^/%s$" % cid, 2, 503)
        w.post(delivery([fb_change("900000000000001", INSULT)]))
        calls = w.graph.wait(2, timeout=10)
        hides = [c for c in w.graph.all() if c.path == "/" + cid]
        assert len(hides) == 3 and [c.failed for c in hides] == [True, True, False], hides
        assert paths(calls) == [("POST", "/" + cid), ("POST", "/%s/messages" % PAGE_ID)]


def test_graph_throttling_lands_once():
    with world() as w:
        w.start()
        cid = fb_comment_id("900000000000001")
        w.graph.fail("^/%s$" % cid, 2, 400, error={
            "message": "(#613) Calls to this api have exceeded the rate limit.",
            "type": "OAuthException", "code": 613})
        w.post(delivery([fb_change("900000000000001", INSULT)]))
        w.graph.wait(2, timeout=10)
        hides = [c for c in w.graph.all() if c.path == "/" + cid]
        assert [c.failed for c in hides] == [True, True, False], hides


# ---- ops --------------------------------------------------------------------------------

def test_metrics_exposition():
    with world() as w:
        w.start()
        w.post(delivery([fb_change("900000000000001", INSULT)]))
        w.graph.wait(2)
        status, body = w.get("/metrics")
        assert status == 200
        text = body.decode()
        for name in ("vaglio_webhook_requests_total", "vaglio_findings_total",
                     "vaglio_actions_total", "vaglio_webhook_duration_seconds_bucket"):
            assert name in text, name
        if shutil.which("promtool"):
            r = subprocess.run(["promtool", "check", "metrics"], input=body,
                               capture_output=True)
            assert r.returncode == 0, r.stdout + r.stderr


def test_dry_run_records_without_calls():
    with world(tenant={"dry_run": True}) as w:
        w.start()
        w.post(delivery([fb_change("900000000000001", INSULT)]))
        keys = wait_until(lambda: w.redis_cli("--scan", "--pattern", "vg:*:d:*"), 5,
                          what="decision record")
        key = keys.splitlines()[0]
        wait_until(lambda: w.redis_cli("HGET", key, "r.hide") == "dry_run", 5,
                   what="dry_run result")
        assert w.graph.quiet() == []


def test_graceful_shutdown_exit_zero():
    with world() as w:
        w.start()
        w.post(delivery([fb_change("900000000000001", INSULT)]))
        w.graph.wait(2)
        assert w.stop() == 0
        assert "msg=stopped" in w.log()


def test_check_config():
    with world() as w:
        env = dict(os.environ, VG_E2E_SECRET=APP_SECRET)
        r = subprocess.run([w.vagliod, "--check-config", w.config_path], env=env,
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        cfg = json.load(open(w.config_path))
        cfg["tenants"]["demo"]["meta"]["app_secrte"] = "x"
        bad = os.path.join(w.dir, "bad.json")
        json.dump(cfg, open(bad, "w"))
        r = subprocess.run([w.vagliod, "-t", bad], env=env, capture_output=True, text=True)
        assert r.returncode == 1
        assert "tenants.demo.meta.app_secrte" in r.stderr, r.stderr
        del cfg["tenants"]["demo"]["meta"]["app_secrte"]
        broken = os.path.join(w.dir, "patterns")
        os.makedirs(broken)
        with open(os.path.join(broken, "bad.txt"), "w") as f:
            f.write("[broken]\ncategory: insult\nscore: 10\nre: /(unclosed/ id=x\n"
                    "word: ok\nre: /[z-a]/ id=y\n")
        cfg["patterns"] = broken
        json.dump(cfg, open(bad, "w"))
        r = subprocess.run([w.vagliod, "-t", bad], env=env, capture_output=True, text=True)
        assert r.returncode == 1
        assert "bad.txt:4" in r.stderr, r.stderr
        assert "bad.txt:6" in r.stderr, "every broken line is listed: " + r.stderr


# ---- personal data never stored or logged --------------------------------------------

def _pii_vectors():
    """Valid personal data from the test vectors of validator.js, ibantools,
    codice-fiscale-js and libphonenumber-js (copies in tests/data/validate)."""
    base = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "validate")
    wanted = {"isEmail", "isCreditCard", "isIBAN", "isMobilePhone"}
    out = set()
    for name in ("validatorjs.jsonl", "ibantools.jsonl", "codice_fiscale.jsonl",
                 "libphonenumber_it.jsonl"):
        with open(os.path.join(base, name)) as f:
            for line in f:
                row = json.loads(line)
                if row["label"] not in ("valid", "mobile_example"):
                    continue
                validator = row.get("meta", {}).get("validator")
                if name == "validatorjs.jsonl" and validator not in wanted:
                    continue
                out.add(row["text"])
    return sorted(out)


def _redis_dump(w):
    """Every key and value, as text: what an operator's audit would see."""
    script = """
    local out = {}
    for _, k in ipairs(redis.call('KEYS', '*')) do
        table.insert(out, k)
        local t = redis.call('TYPE', k)['ok']
        local v
        if t == 'hash' then v = redis.call('HGETALL', k)
        elseif t == 'zset' then v = redis.call('ZRANGE', k, 0, -1)
        elseif t == 'string' then v = {redis.call('GET', k)}
        elseif t == 'stream' then
            v = {}
            for _, e in ipairs(redis.call('XRANGE', k, '-', '+')) do
                table.insert(v, e[1])
                for _, f in ipairs(e[2]) do table.insert(v, f) end
            end
        else v = {} end
        for _, x in ipairs(v) do table.insert(out, x) end
    end
    return out
    """
    return w.redis_cli("EVAL", script, "0")


def test_personal_data_never_logged_or_stored():
    vectors = _pii_vectors()
    assert len(vectors) > 100, len(vectors)
    with world(config={"log": {"level": "debug"}}) as w:
        w.start()
        changes = []
        for i, value in enumerate(vectors):
            text = "Scrivetemi pure, il mio dato: %s grazie" % value
            changes.append(fb_change("9100000000%05d" % i, text, author="70000000%08d" % i))
        for k in range(0, len(changes), 50):
            assert w.post(delivery(changes[k:k + 50]))[0] == 200
        deletes = wait_until(lambda: len([c for c in w.graph.successful()
                                          if c.method == "DELETE"]) >= len(vectors) * 0.9
                             and w.graph.successful(), 20, what="deletions")
        assert deletes
        _, metrics = w.get("/metrics")
        haystacks = {"vagliod log": w.log(), "redis": _redis_dump(w),
                     "metrics": metrics.decode()}
        # The haystacks are real: decisions were logged and recorded.
        assert haystacks["vagliod log"].count("msg=verdict") >= len(vectors)
        assert haystacks["redis"].count("pii.") >= len(vectors) * 0.9
        assert "vaglio_findings_total" in haystacks["metrics"]
        for value in vectors:
            forms = {value, value.lower(), value.replace(" ", ""), value.replace(" ", "").lower()}
            for form in forms:
                if len(form) < 6:
                    continue
                for where, text in haystacks.items():
                    assert form not in text, "%r found in %s" % (form, where)


# ---- reload and workers -----------------------------------------------------------------

def test_sighup_reload_keeps_old_set_on_error():
    tmp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "patterns")
    with world() as w:
        copy = os.path.join(w.dir, "patterns")
        shutil.copytree(tmp, copy)
        cfg = json.load(open(w.config_path))
        cfg["patterns"] = copy
        json.dump(cfg, open(w.config_path, "w"))
        w.start()
        extra = os.path.join(copy, "it", "zz_local.txt")
        with open(extra, "w") as f:
            f.write("# local words\n[local.test]\ncategory: insult\nscore: 10\nre: /(unclosed/ id=x\n")
        w.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: "reload failed" in w.log(), 60, what="reload failure logged")
        assert "zz_local.txt:5" in w.log(), w.log()[-2000:]
        # The running set still works.
        w.post(delivery([fb_change("900000000000001", INSULT)]))
        w.graph.wait(2)
        with open(extra, "w") as f:
            f.write("# local words\n[local.test]\ncategory: insult\nscore: 10\nzorglubbo\n")
        w.proc.send_signal(signal.SIGHUP)
        # A reload compiles the whole set again: seconds under the sanitizers.
        wait_until(lambda: "msg=reloaded" in w.log(), 60, what="reload")
        w.post(delivery([fb_change("900000000000002", "sei uno zorglubbo",
                                   author="7000000000000099")]))
        calls = w.graph.wait(4)
        assert ("POST", "/" + fb_comment_id("900000000000002")) in paths(calls), calls
        assert w.stop() == 0


def test_two_workers():
    with world(workers=2) as w:
        w.start()
        for i in range(20):
            w.close_conn()  # new connections spread over the workers
            assert w.post(delivery([fb_change("90000000000%04d" % i, INSULT,
                                              author="70000000000%05d" % i)]))[0] == 200
        w.graph.wait(40, timeout=15)
        assert w.stop() == 0
