#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes N signed Meta comment deliveries for the webhook benchmark, one per
line as '<signature> <body>': every delivery a new content id and author (no
dedupe fast path), about a third of them violations so actions flow. Texts
are written here (never taken from a test corpus). An optional START numbers
the deliveries from there, so that files written for successive runs never
repeat a content id.

    gen_bodies.py N SECRET OUT [START]"""
import hashlib
import hmac
import json
import random
import sys

n, secret, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
start = int(sys.argv[4]) if len(sys.argv) > 4 else 0
rng = random.Random(20261123 + start)
clean = ["Grazie per le informazioni, molto utili!", "A che ora apre lo sportello domani?",
         "Ottima iniziativa, complimenti a tutto il personale.",
         "Dove posso trovare il modulo per la domanda di contributo?",
         "Il link al bando non funziona, potete controllare?"]
bad = ["Sei proprio un coglione, vergognati", "Che stronzo che sei, incompetente",
       "Per info chiamatemi al 347 123 4567 dopo le 18"]
with open(out, "w") as f:
    for i in range(start, start + n):
        text = rng.choice(bad) if i % 3 == 0 else rng.choice(clean)
        doc = {"object": "page", "entry": [{"id": "104000000000001", "time": 1767225605,
               "changes": [{"field": "feed", "value": {
                   "item": "comment", "verb": "add",
                   "from": {"id": "7%015d" % i, "name": "Bench User"},
                   "post_id": "104000000000001_122100000000000001",
                   "comment_id": "122100000000000001_9%014d" % i,
                   "parent_id": "104000000000001_122100000000000001",
                   "message": text, "created_time": 1767225603}}]}]}
        body = json.dumps(doc, separators=(",", ":"), ensure_ascii=True)
        sig = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
        f.write("sha256=%s %s\n" % (sig, body))
