// SPDX-License-Identifier: Apache-2.0
// The Node.js peer of vaglio's end-to-end benchmark (bench/README.md): the
// scan part of vaglio's job written the way a small Node service would do
// it. One process, express over Node's https module, TLS keep-alive. For
// POST /webhooks/meta/:tenant it reads the raw body, checks
// X-Hub-Signature-256 (HMAC-SHA256 of the raw bytes with the app secret) in
// constant time, parses the JSON and runs every comment text through the
// obscenity English matcher and a few PII regexes, then answers 200 "ok".
// No state: nothing is stored, deduplicated or sent to the platform.
//
//   node server.js PORT CERT KEY [SECRET]
//
// The arguments can also come from VG_PEER_PORT, VG_PEER_CERT, VG_PEER_KEY
// and VG_PEER_SECRET; VG_PEER_TENANT (default "demo") names the one tenant,
// VG_PEER_HOST (default 127.0.0.1) the address. On SIGTERM or SIGINT it
// prints how many deliveries it scanned and flagged, to show that the scan
// ran, and exits.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const express = require('express');
const {
    RegExpMatcher,
    englishDataset,
    englishRecommendedTransformers,
} = require('obscenity');

const argv = process.argv.slice(2);
const port = Number(argv[0] || process.env.VG_PEER_PORT || 18445);
const certPath = argv[1] || process.env.VG_PEER_CERT;
const keyPath = argv[2] || process.env.VG_PEER_KEY;
const secret = argv[3] || process.env.VG_PEER_SECRET;
const tenant = process.env.VG_PEER_TENANT || 'demo';
const host = process.env.VG_PEER_HOST || '127.0.0.1';

if (!certPath || !keyPath || !secret || !Number.isInteger(port)) {
    process.stderr.write('usage: node server.js PORT CERT KEY [SECRET] (or VG_PEER_* variables)\n');
    process.exit(2);
}

const matcher = new RegExpMatcher({
    ...englishDataset.build(),
    ...englishRecommendedTransformers,
});

// Luhn's check, so that a run of digits counts as a card number only when it
// could be one (vaglio validates its candidates too).
function luhnOk(text) {
    const digits = text.replace(/\D/g, '');
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
        let d = digits.charCodeAt(digits.length - 1 - i) - 48;
        if (i % 2 === 1) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
    }
    return digits.length >= 13 && sum % 10 === 0;
}

// ISO 13616 check: the country and check digits moved to the end, letters as
// numbers, the whole mod 97 must be 1.
function ibanOk(text) {
    const s = text.replace(/\s/g, '').toUpperCase();
    const moved = s.slice(4) + s.slice(0, 4);
    let rem = 0;
    for (const c of moved) {
        const v = c >= 'A' ? String(c.charCodeAt(0) - 55) : c;
        for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
    }
    return rem === 1;
}

const pii = [
    { kind: 'email', re: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
    // Italian mobile (3xx) and landline (0x…) numbers, with or without +39,
    // the groups split by spaces, dots or dashes.
    {
        kind: 'phone_it',
        re: /(?:(?:\+|00)39[\s.-]?)?\b(?:3\d{2}|0\d{1,3})[\s.-]?\d{3}[\s.-]?\d{3,4}\b/g,
    },
    { kind: 'iban', re: /\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b/gi, ok: ibanOk },
    { kind: 'card', re: /\b\d(?:[ -]?\d){12,18}\b/g, ok: luhnOk },
];

// Every finding, like vaglio's scan (all matches, not just the first).
function scan(text) {
    let found = matcher.getAllMatches(text).length;
    for (const p of pii) {
        for (const m of text.matchAll(p.re)) {
            if (!p.ok || p.ok(m[0])) found++;
        }
    }
    return found;
}

function signatureOk(header, body) {
    if (typeof header !== 'string' || !/^sha256=[0-9a-fA-F]{64}$/.test(header)) return false;
    const given = Buffer.from(header.slice(7), 'hex');
    const want = crypto.createHmac('sha256', secret).update(body).digest();
    return crypto.timingSafeEqual(given, want);
}

let scanned = 0;
let flagged = 0;

const app = express();
app.disable('x-powered-by');
app.disable('etag');

app.get('/readyz', (req, res) => res.type('text/plain').send('ok\n'));

// Any content type: the signature covers the bytes whatever the header says.
app.post('/webhooks/meta/:tenant', express.raw({ type: () => true, limit: '4mb' }), (req, res) => {
    if (req.params.tenant !== tenant) return res.status(404).type('text/plain').send('unknown tenant\n');
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!signatureOk(req.get('x-hub-signature-256'), body)) {
        return res.status(403).type('text/plain').send('bad signature\n');
    }
    let doc;
    try {
        doc = JSON.parse(body.toString('utf8'));
    } catch {
        return res.status(400).type('text/plain').send('bad json\n');
    }
    const entries = doc && Array.isArray(doc.entry) ? doc.entry : [];
    for (const entry of entries) {
        const changes = entry && Array.isArray(entry.changes) ? entry.changes : [];
        for (const change of changes) {
            const text = change && change.value && change.value.message;
            if (typeof text !== 'string') continue;
            scanned++;
            if (scan(text) > 0) flagged++;
        }
    }
    res.type('text/plain').send('ok\n');
});

// Body too large, aborted upload and the like: a status, no stack trace.
app.use((err, req, res, next) => {
    if (res.headersSent) return next(err);
    res.status(err.status || err.statusCode || 500).type('text/plain').send('error\n');
});

const server = https.createServer(
    { cert: fs.readFileSync(certPath), key: fs.readFileSync(keyPath) },
    app
);
// Keep connections open as long as the load generator does.
server.keepAliveTimeout = 120000;
server.headersTimeout = 121000;
server.listen(port, host);

function stop() {
    process.stderr.write(`node peer: ${scanned} comments scanned, ${flagged} flagged\n`);
    process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
