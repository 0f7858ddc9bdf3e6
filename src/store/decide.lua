-- SPDX-License-Identifier: Apache-2.0
--[[
decide.lua: the decision of one event, atomic in Redis (src/store/decide.c
builds the call; docs/redis.md explains it for operators). One script run
deduplicates the delivery, applies the author's warn-then-block ladder,
writes the decision record, opens the review item and enqueues the platform
actions, so two workers can never both warn or both block for one author.

Every key shares one hash tag T = {<tenant>:<shard>} (Redis Cluster ready).

KEYS
  1 vg:T:dd:<id>                 dedupe marker
  2 vg:T:d:<id>                  decision record (hash)
  3 vg:T:c:<platform>:<content>  content state (hash: struck, warned, noticed, pinned, removed)
  4 vg:T:a:<author>              author state (hash: blocked, block_decision); author "-" if none
  5 vg:T:a:<author>:s            strikes (zset: decision id -> ms)
  6 vg:T:a:<author>:d            the author's decisions (zset: decision id -> ms)
  7 vg:T:q                       action stream
  8 vg:T:r                       review queue (zset: decision id -> ms)

ARGV
   1 now (ms)               2 decision id          3 verb (add|edited|remove|hide|unhide|other)
   4 has_author 1/0         5 content action ""|hide|delete
   6 strike 1/0             7 block 1/0            8 review 1/0     9 notice 1/0   10 shadow 1/0
  11 warning channel private|public|none          12 warn_first 1/0 (warning before the content action)
  13 can_block 1/0          14 hide_if_blocked 1/0 (hide a blocked author's later content)
  15 warnings before a block                      16 strike window (ms)
  17 dedupe TTL (s)         18 retention (s)      19 dry_run 1/0
  20 tenant  21 platform  22 page id  23 content id  24 raw author id ("" if none)
  25 warning text           26 notice text
  27.. field/value pairs of the decision record (verdict, categories, rules,
       spans as byte offsets, ids, pseudonym; never the text)

RETURNS {status, decision id, actions (comma-separated, in dispatch order), strikes}
  status: "new" (recorded now; actions enqueued), "duplicate" (already decided:
  nothing done; the earlier actions are returned), "pinned" (a human reversed
  it: recorded, never acted on), "recorded" (a state change: remove, hide,
  unhide, other, or content already removed). strikes: the author's strikes
  inside the window after this decision (0 without an author).

Timestamps and TTLs are passed to Redis as the caller's strings: Lua numbers
would be formatted as floats.
]]

local k_dedupe, k_decision, k_content = KEYS[1], KEYS[2], KEYS[3]
local k_author, k_strikes, k_decisions = KEYS[4], KEYS[5], KEYS[6]

local A = ARGV
local now_s, id, verb = A[1], A[2], A[3]
local has_author = A[4] == '1'
local window_ms, retention_s, dry_run = A[16], A[18], A[19]

--[[
Besides the arguments and the record, a run's cost is its redis.calls and
the Lua work between them (closures, tables, number formatting), so the
script is one straight pass with no closures: each key is read at most once
and written at most once (the content state with one HMGET and one HSET),
the author state is read only when the ladder needs it, and a TTL is renewed
only on a key that may exist.
]]

-- Whether a TTL must be renewed: false when the key is known not to exist.
local content_exists, author_exists = true, true
-- The author's strikes in the window after this decision; nil: not counted yet.
local n
-- A strike scored at or before this has left the window.
local oldest
local status, csv, planned = 'recorded', '', nil
local acts, nacts = {}, 0
local do_block, do_warn, do_notice = false, false, false

if has_author then
    oldest = string.format('%d', tonumber(now_s) - tonumber(window_ms))
else
    n = 0
end

-- 1. Redeliveries. EXISTS, then SET: a full Redis (noeviction) refuses a
-- SET NX, and a redelivery must still get its answer.
if redis.call('EXISTS', k_dedupe) == 1 then
    return {'duplicate', id, redis.call('HGET', k_decision, 'actions') or '',
            n or redis.call('ZCOUNT', k_strikes, '(' .. oldest, '+inf')}
end

redis.call('SET', k_dedupe, '1', 'EX', A[17])

-- 2. State changes: recorded, never acted on.
if verb == 'unhide' then
    -- A human unhid it: never act on this content again.
    redis.call('HSET', k_content, 'pinned', 'unhide')
    status = 'pinned'
elseif verb == 'remove' then
    redis.call('HSET', k_content, 'removed', '1')
elseif verb == 'add' or verb == 'edited' then
    -- 3. Content a human pinned, or that is gone. The content hash holds only
    -- these fields: none set means there is no hash.
    local cs = redis.call('HMGET', k_content, 'pinned', 'removed', 'struck', 'warned', 'noticed')
    content_exists = (cs[1] or cs[2] or cs[3] or cs[4] or cs[5]) and true or false
    if cs[1] then
        status = 'pinned'
    elseif cs[2] ~= '1' then
        --[[
        4 and 5. The ladder. In shadow mode nothing is written: what would
        have happened goes into the record as "planned".
        ]]
        local commit = A[10] ~= '1'
        status = commit and 'new' or 'shadow'
        local act = A[5]
        local block = A[7] == '1'
        local blocked -- nil: not read
        local want_block, want_warn = false, false
        local set, nset = {'HSET', k_content}, 2

        if A[6] == '1' or block then
            -- One content id never earns more than one strike: an edit that
            -- still breaks the rules only gets the content action.
            if not cs[3] then
                if has_author then
                    local before
                    if commit then
                        redis.call('ZREMRANGEBYSCORE', k_strikes, '-inf', oldest)
                        before = redis.call('ZCARD', k_strikes)
                        local added = redis.call('ZADD', k_strikes, now_s, id)
                        redis.call('PEXPIRE', k_strikes, window_ms)
                        -- Everything left after the trim is inside the window.
                        if tonumber(window_ms) > 0 then
                            n = before + added
                        end
                    else
                        before = redis.call('ZCOUNT', k_strikes, '(' .. oldest, '+inf')
                        n = before
                    end
                    want_block = block or before >= (tonumber(A[15]) or 1)
                end
                -- Without an author there is nobody to block; a warning can
                -- still go as a reply to the comment.
                want_warn = not (want_block or block)
                set[3], set[4], nset = 'struck', id, 4
            end
        elseif A[14] == '1' and act == '' and has_author then
            -- Instagram has no block API: a blocked author's comments are hidden.
            blocked = redis.call('HEXISTS', k_author, 'blocked') == 1
            if blocked then
                act = 'hide'
            end
        end

        if want_block then
            if blocked == nil then
                blocked = redis.call('HEXISTS', k_author, 'blocked') == 1
            end
            if not blocked then
                if commit then
                    redis.call('HSET', k_author, 'blocked', now_s, 'block_decision', id)
                end
                do_block = A[13] == '1'
                blocked = true
            end
        end
        -- The author's hash holds only blocked and block_decision.
        author_exists = blocked ~= false
        local channel = A[11]
        if want_warn and channel ~= 'none' and cs[4] ~= '1' then
            set[nset + 1], set[nset + 2] = 'warned', '1'
            nset = nset + 2
            do_warn = true
        end
        if A[9] == '1' and cs[5] ~= '1' then
            set[nset + 1], set[nset + 2] = 'noticed', '1'
            nset = nset + 2
            do_notice = true
        end
        if commit then
            if nset > 2 then
                redis.call(unpack(set, 1, nset))
                content_exists = true
            end
            if A[8] == '1' then
                redis.call('ZADD', KEYS[8], now_s, id)
            end
        end

        -- The notice goes first: a deleted comment can no longer be replied
        -- to; so does an Instagram public warning, as a hidden comment cannot be.
        local warn_first = A[12] == '1'
        if do_notice then
            nacts = nacts + 1
            acts[nacts] = 'notice'
        end
        if do_warn and warn_first then
            nacts = nacts + 1
            acts[nacts] = 'warn'
        end
        if act ~= '' then
            nacts = nacts + 1
            acts[nacts] = act
        end
        if do_warn and not warn_first then
            nacts = nacts + 1
            acts[nacts] = 'warn'
        end
        if do_block then
            nacts = nacts + 1
            acts[nacts] = 'block'
        end
        if commit then
            csv = table.concat(acts, ',')
        else
            planned = table.concat(acts, ',')
            nacts = 0
        end
    end
end
if n == nil then
    n = redis.call('ZCOUNT', k_strikes, '(' .. oldest, '+inf')
end

-- 6. The record. ARGV 27.. go last, unpacked in place.
if planned == nil then
    redis.call('HSET', k_decision, 'status', status, 'actions', csv, 'strikes', tostring(n), 'ts',
               now_s, 'dry_run', dry_run, unpack(A, 27))
else
    redis.call('HSET', k_decision, 'status', status, 'actions', csv, 'strikes', tostring(n), 'ts',
               now_s, 'dry_run', dry_run, 'planned', planned, unpack(A, 27))
end
redis.call('EXPIRE', k_decision, retention_s)
if has_author then
    -- An active author's list would otherwise only ever grow.
    redis.call('ZREMRANGEBYSCORE', k_decisions, '-inf',
               string.format('%d', tonumber(now_s) - tonumber(retention_s) * 1000))
    redis.call('ZADD', k_decisions, now_s, id)
    redis.call('EXPIRE', k_decisions, retention_s)
    if author_exists then
        redis.call('EXPIRE', k_author, retention_s)
    end
end
if content_exists then
    redis.call('EXPIRE', k_content, retention_s)
end

-- 7. The actions. No MAXLEN: trimming would drop actions not yet dispatched.
-- Raw ids only where an action needs them (the author's id for a block).
if nacts > 0 then
    local e = {'XADD', KEYS[7], '*', 'd', id, 'tn', A[20], 'p', A[21], 'pg', A[22], 'c', A[23]}
    local j = 13
    if do_block then
        e[j + 1], e[j + 2] = 'a', A[24]
        j = j + 2
    end
    e[j + 1], e[j + 2], e[j + 3], e[j + 4] = 'acts', csv, 'wc', A[11]
    j = j + 4
    if do_warn then
        e[j + 1], e[j + 2] = 'w', A[25]
        j = j + 2
    end
    if do_notice then
        e[j + 1], e[j + 2] = 'n', A[26]
        j = j + 2
    end
    e[j + 1], e[j + 2], e[j + 3], e[j + 4] = 'dry', dry_run, 'ts', now_s
    redis.call(unpack(e, 1, j + 4))
end

-- 8. Shadow returns new, with no actions.
if status == 'shadow' then
    status = 'new'
end
return {status, id, csv, n}
