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
local k_queue, k_review = KEYS[7], KEYS[8]

local now_s = ARGV[1]
local now = tonumber(now_s)
local id = ARGV[2]
local verb = ARGV[3]
local has_author = ARGV[4] == '1'
local content_action = ARGV[5]
local strike = ARGV[6] == '1'
local block = ARGV[7] == '1'
local review = ARGV[8] == '1'
local notice = ARGV[9] == '1'
local shadow = ARGV[10] == '1'
local channel = ARGV[11]
local warn_first = ARGV[12] == '1'
local can_block = ARGV[13] == '1'
local hide_if_blocked = ARGV[14] == '1'
local warnings = tonumber(ARGV[15]) or 1
local window_ms = ARGV[16]
local dedupe_ttl_s = ARGV[17]
local retention_s = ARGV[18]
local dry_run = ARGV[19]
local tenant, platform, page, content = ARGV[20], ARGV[21], ARGV[22], ARGV[23]
local raw_author = ARGV[24]
local warning_text, notice_text = ARGV[25], ARGV[26]

-- A strike scored at or before this has left the window.
local oldest = string.format('%.0f', now - tonumber(window_ms))

local function strikes_in_window()
    if not has_author then
        return 0
    end
    return redis.call('ZCOUNT', k_strikes, '(' .. oldest, '+inf')
end

local function record(status, actions, strikes, planned)
    local args = {'HSET', k_decision}
    for i = 27, #ARGV do
        args[#args + 1] = ARGV[i]
    end
    local tail = {'status', status, 'actions', actions, 'strikes', tostring(strikes),
                  'ts', now_s, 'dry_run', dry_run}
    for i = 1, #tail do
        args[#args + 1] = tail[i]
    end
    if planned ~= nil then
        args[#args + 1] = 'planned'
        args[#args + 1] = planned
    end
    redis.call(unpack(args))
    redis.call('EXPIRE', k_decision, retention_s)
    if has_author then
        -- An active author's list would otherwise only ever grow.
        redis.call('ZREMRANGEBYSCORE', k_decisions, '-inf',
                   string.format('%.0f', now - tonumber(retention_s) * 1000))
        redis.call('ZADD', k_decisions, now_s, id)
        redis.call('EXPIRE', k_decisions, retention_s)
        if redis.call('EXISTS', k_author) == 1 then
            redis.call('EXPIRE', k_author, retention_s)
        end
    end
    -- A no-op when the content has no state.
    redis.call('EXPIRE', k_content, retention_s)
end

--[[
The ladder. With commit false nothing is written (shadow mode: what would
have happened goes into the record as "planned").
Returns the ordered actions and which of them need their texts or ids.
]]
local function plan(commit)
    local act = content_action
    local blocked = has_author and redis.call('HEXISTS', k_author, 'blocked') == 1
    local want_block, want_warn = false, false

    if strike or block then
        -- One content id never earns more than one strike: an edit that
        -- still breaks the rules only gets the content action.
        if redis.call('HEXISTS', k_content, 'struck') == 0 then
            if has_author then
                local n
                if commit then
                    redis.call('ZREMRANGEBYSCORE', k_strikes, '-inf', oldest)
                    n = redis.call('ZCARD', k_strikes)
                    redis.call('ZADD', k_strikes, now_s, id)
                    redis.call('PEXPIRE', k_strikes, window_ms)
                else
                    n = strikes_in_window()
                end
                want_block = block or n >= warnings
            end
            -- Without an author there is nobody to block; a warning can still
            -- go as a reply to the comment.
            want_warn = not (want_block or block)
            if commit then
                redis.call('HSET', k_content, 'struck', id)
            end
        end
    elseif hide_if_blocked and blocked and act == '' then
        -- Instagram has no block API: a blocked author's comments are hidden.
        act = 'hide'
    end

    local do_block, do_warn, do_notice = false, false, false
    if want_block and not blocked then
        if commit then
            redis.call('HSET', k_author, 'blocked', now_s, 'block_decision', id)
        end
        do_block = can_block
    end
    if want_warn and channel ~= 'none' and redis.call('HGET', k_content, 'warned') ~= '1' then
        if commit then
            redis.call('HSET', k_content, 'warned', '1')
        end
        do_warn = true
    end
    if notice and redis.call('HGET', k_content, 'noticed') ~= '1' then
        if commit then
            redis.call('HSET', k_content, 'noticed', '1')
        end
        do_notice = true
    end
    if commit and review then
        redis.call('ZADD', k_review, now_s, id)
    end

    -- The notice goes first: a deleted comment can no longer be replied to;
    -- so does an Instagram public warning, as a hidden comment cannot be.
    local acts = {}
    if do_notice then
        acts[#acts + 1] = 'notice'
    end
    if do_warn and warn_first then
        acts[#acts + 1] = 'warn'
    end
    if act ~= '' then
        acts[#acts + 1] = act
    end
    if do_warn and not warn_first then
        acts[#acts + 1] = 'warn'
    end
    if do_block then
        acts[#acts + 1] = 'block'
    end
    return acts, do_block, do_warn, do_notice
end

-- 1. Redeliveries.
if redis.call('EXISTS', k_dedupe) == 1 then
    return {'duplicate', id, redis.call('HGET', k_decision, 'actions') or '', strikes_in_window()}
end
redis.call('SET', k_dedupe, '1', 'EX', dedupe_ttl_s)

-- 2. State changes: recorded, never acted on.
if verb == 'unhide' then
    -- A human unhid it: never act on this content again.
    redis.call('HSET', k_content, 'pinned', 'unhide')
    redis.call('EXPIRE', k_content, retention_s)
    local n = strikes_in_window()
    record('pinned', '', n)
    return {'pinned', id, '', n}
elseif verb == 'remove' then
    redis.call('HSET', k_content, 'removed', '1')
    local n = strikes_in_window()
    record('recorded', '', n)
    return {'recorded', id, '', n}
elseif verb ~= 'add' and verb ~= 'edited' then
    local n = strikes_in_window()
    record('recorded', '', n)
    return {'recorded', id, '', n}
end

-- 3. Content a human pinned, or that is gone.
if redis.call('HEXISTS', k_content, 'pinned') == 1 then
    local n = strikes_in_window()
    record('pinned', '', n)
    return {'pinned', id, '', n}
end
if redis.call('HGET', k_content, 'removed') == '1' then
    local n = strikes_in_window()
    record('recorded', '', n)
    return {'recorded', id, '', n}
end

-- 4. Shadow: decide and record what would have happened; change nothing.
if shadow then
    local planned = plan(false)
    local n = strikes_in_window()
    record('shadow', '', n, table.concat(planned, ','))
    return {'new', id, '', n}
end

-- 5. The ladder.
local acts, do_block, do_warn, do_notice = plan(true)
local csv = table.concat(acts, ',')
local n = strikes_in_window()

-- 6. The record.
record('new', csv, n)

-- 7. The actions. No MAXLEN: trimming would drop actions not yet dispatched.
-- Raw ids only where an action needs them (the author's id for a block).
if #acts > 0 then
    local e = {'XADD', k_queue, '*', 'd', id, 'tn', tenant, 'p', platform, 'pg', page,
               'c', content}
    if do_block then
        e[#e + 1] = 'a'
        e[#e + 1] = raw_author
    end
    e[#e + 1] = 'acts'
    e[#e + 1] = csv
    e[#e + 1] = 'wc'
    e[#e + 1] = channel
    if do_warn then
        e[#e + 1] = 'w'
        e[#e + 1] = warning_text
    end
    if do_notice then
        e[#e + 1] = 'n'
        e[#e + 1] = notice_text
    end
    e[#e + 1] = 'dry'
    e[#e + 1] = dry_run
    e[#e + 1] = 'ts'
    e[#e + 1] = now_s
    redis.call(unpack(e))
end

-- 8.
return {'new', id, csv, n}
