"""Numba kernels: hop-limited reverse-reachable (RR) sampling, greedy max coverage and the
forward Monte Carlo cascade.

Every random draw comes from a counter-based stream: RR set ``i`` (or simulation ``i``) of a
run with seed ``s`` uses its own splitmix64 generator seeded from ``(s, stream, i)``. So a
sample does not depend on how it is split over threads or extended later: the first ``θ`` sets
of a run are the same whether ``θ`` or ``2θ`` sets are drawn.

Nodes whose in-edges (for RR sampling) or out-edges (for the cascade) all share one probability
``p`` — every node under ``uniform:P``, and every node under weighted cascade on an unweighted
graph — are expanded by geometric skipping (SUBSIM): one random number per live edge instead
of one per edge.

All kernels are compiled once and cached on disk (``cache=True``); they release the GIL so the
Python wrappers in :mod:`graph.rr` run blocks of work on several threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53
# edges at least this likely get one draw each; rarer ones are found by thinning
_DENSE = 0.05


@njit(cache=True)
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def stream_state(seed, stream, index):
    """The generator state of item ``index`` of ``stream`` in a run seeded with ``seed``."""
    z = _mix(np.uint64(seed) * _GOLDEN + np.uint64(stream))
    return _mix(z ^ (np.uint64(index) * _M2 + _GOLDEN))


@njit(cache=True)
def _next(state):
    state = state + _GOLDEN
    return state, _mix(state)


@njit(cache=True)
def _unit(x):
    """A uniform double in (0, 1] from 64 random bits (never 0, so log() is safe)."""
    return (np.float64(x >> _S11) + 1.0) * _TO_UNIT


@njit(cache=True)
def _skip(e, b, jump):
    """Edge index ``e + floor(jump)``, or ``b`` when that is past the end (no int overflow)."""
    if jump >= b - e:
        return b
    return e + np.int64(jump)


@njit(cache=True)
def _next_live(state, pr, ub, e, b, scale):
    """The first live edge at or after ``e`` (``b`` if none), each edge j live with probability
    ``pr[j] * scale``; edges come in buckets of decreasing ``ub[j] >= pr[j]`` (powers of 2).

    Thinning: propose edges with the bound ``pm = ub[e]`` of the current bucket by geometric
    skipping, accept a proposal j with ``pr[j] / pm``. Each edge ends up live independently with
    its own probability, at a cost of about one random number per proposal instead of one per
    edge.
    """
    while e < b:
        pm = ub[e] * scale
        if pm <= 0.0:
            return state, b
        if pm >= 1.0 or b - e <= 4:  # one draw per edge
            p = pr[e] * scale
            if p >= 1.0:
                return state, e
            state, r = _next(state)
            if _unit(r) <= p:
                return state, e
            e += 1
            continue
        state, r = _next(state)
        c = _skip(e, b, np.log(_unit(r)) / np.log1p(-pm))
        if c >= b:
            return state, b
        state, r = _next(state)
        if _unit(r) * pm <= pr[c] * scale:
            return state, c
        e = c + 1
    return state, b


@njit(cache=True)
def _append(nodes, total, u):
    """``nodes[total] = u``, doubling the buffer when it is full; returns the buffer."""
    if total >= nodes.shape[0]:
        grown = np.empty(2 * nodes.shape[0], dtype=np.int32)
        grown[:total] = nodes[:total]
        nodes = grown
    nodes[total] = u
    return nodes


@njit(cache=True, nogil=True)
def rr_block(
    in_ptr, in_src, in_pr, in_ub, node_p, node_log1mp, targets, max_hops, seed, stream, first, count
):
    """RR sets ``first … first+count-1``: roots drawn uniformly from ``targets``, walked backwards
    for at most ``max_hops`` hops (0 = unlimited). Returns (ptr, nodes) in CSR form.

    ``node_p[v] >= 0`` means every in-edge of v has probability ``node_p[v]`` (geometric skipping,
    with ``node_log1mp[v] = log(1 - node_p[v])``); otherwise ``in_pr`` is used edge by edge.
    """
    n = in_ptr.shape[0] - 1
    stamp = np.full(n, -1, dtype=np.int32)
    nodes = np.empty(max(16, count * 2), dtype=np.int32)
    ptr = np.zeros(count + 1, dtype=np.int64)
    nt = targets.shape[0]
    total = 0
    for j in range(count):
        i = first + j
        state = stream_state(seed, stream, i)
        state, r = _next(state)
        root = targets[np.int64(r % np.uint64(nt))]
        nodes = _append(nodes, total, root)
        stamp[root] = j
        head = total
        total += 1
        level_end = total
        depth = 0
        while head < total:
            if head == level_end:
                depth += 1
                level_end = total
            if max_hops > 0 and depth >= max_hops:
                break
            v = nodes[head]
            head += 1
            a = in_ptr[v]
            b = in_ptr[v + 1]
            if a == b:
                continue
            p = node_p[v]
            if p >= 0.0:
                if p <= 0.0:
                    continue
                if p >= 1.0:
                    e = a
                else:
                    lg = node_log1mp[v]
                    state, r = _next(state)
                    e = _skip(a, b, np.log(_unit(r)) / lg)
                while e < b:
                    u = in_src[e]
                    if stamp[u] != j:
                        stamp[u] = j
                        nodes = _append(nodes, total, u)
                        total += 1
                    if p >= 1.0:
                        e += 1
                    else:
                        state, r = _next(state)
                        e = _skip(e + 1, b, np.log(_unit(r)) / lg)
            else:
                e = a
                while e < b and in_ub[e] >= _DENSE:
                    u = in_src[e]
                    if stamp[u] != j:
                        state, r = _next(state)
                        if _unit(r) <= in_pr[e]:
                            stamp[u] = j
                            nodes = _append(nodes, total, u)
                            total += 1
                    e += 1
                while True:
                    state, e = _next_live(state, in_pr, in_ub, e, b, 1.0)
                    if e >= b:
                        break
                    u = in_src[e]
                    e += 1
                    if stamp[u] != j:
                        stamp[u] = j
                        nodes = _append(nodes, total, u)
                        total += 1
        ptr[j + 1] = total
    return ptr, nodes[:total].copy()


@njit(cache=True, nogil=True)
def _top_sum(counts, eligible, chosen, k):
    """Sum of the ``k`` largest counts among eligible, not yet chosen nodes (a small sorted
    buffer: cheap to compile, and most counts fall below its minimum at once)."""
    top = np.zeros(k, dtype=np.int64)  # ascending; top[0] is the smallest kept
    for v in range(counts.shape[0]):
        c = counts[v]
        if c <= top[0] or not eligible[v] or chosen[v]:
            continue
        pos = 0
        while pos + 1 < k and top[pos + 1] < c:
            top[pos] = top[pos + 1]
            pos += 1
        top[pos] = c
    return top.sum()


@njit(cache=True, nogil=True)
def greedy_cover(ptr, nodes, n, eligible, k, bound_every):
    """Greedy maximum coverage of the RR sets by ``k`` eligible nodes.

    Returns (picks, gains, upper): the picks in order, the sets each newly covers, and an upper
    bound on the coverage of *any* ``k`` eligible nodes (OPIM-C: the least, over greedy steps i,
    of coverage(S_i) plus the ``k`` largest marginal coverages), computed every ``bound_every``
    steps and after the last one. Ties go to the smaller node index.
    """
    n_sets = ptr.shape[0] - 1
    counts = np.zeros(n, dtype=np.int64)
    for e in range(nodes.shape[0]):
        counts[nodes[e]] += 1
    node_ptr = np.zeros(n + 1, dtype=np.int64)
    for v in range(n):
        node_ptr[v + 1] = node_ptr[v] + counts[v]
    fill = node_ptr[:-1].copy()
    node_sets = np.empty(nodes.shape[0], dtype=np.int32)
    for s in range(n_sets):
        for e in range(ptr[s], ptr[s + 1]):
            v = nodes[e]
            node_sets[fill[v]] = s
            fill[v] += 1
    covered = np.zeros(n_sets, dtype=np.bool_)
    chosen = np.zeros(n, dtype=np.bool_)
    picks = np.full(k, -1, dtype=np.int64)
    gains = np.zeros(k, dtype=np.int64)
    upper = np.int64(9223372036854775807)
    done = 0
    for step in range(k):
        if bound_every > 0 and step % bound_every == 0:
            ub = done + _top_sum(counts, eligible, chosen, k)
            upper = min(upper, ub)
        best = -1
        best_count = -1
        for v in range(n):
            if eligible[v] and not chosen[v] and counts[v] > best_count:
                best = v
                best_count = counts[v]
        if best < 0:
            break
        chosen[best] = True
        picks[step] = best
        gain = 0
        for t in range(node_ptr[best], node_ptr[best + 1]):
            s = node_sets[t]
            if not covered[s]:
                covered[s] = True
                gain += 1
                for e in range(ptr[s], ptr[s + 1]):
                    counts[nodes[e]] -= 1
        gains[step] = gain
        done += gain
    ub = done + _top_sum(counts, eligible, chosen, k)
    upper = min(upper, ub)
    return picks, gains, upper


@njit(cache=True, nogil=True)
def ordered_cover(ptr, nodes, n, order):
    """Sets newly covered by each node of ``order`` in turn (a seed list's marginal coverage)."""
    rank = np.full(n, order.shape[0], dtype=np.int64)
    for r in range(order.shape[0]):
        v = order[r]
        if rank[v] == order.shape[0]:
            rank[v] = r
    gains = np.zeros(order.shape[0], dtype=np.int64)
    for s in range(ptr.shape[0] - 1):
        best = order.shape[0]
        for e in range(ptr[s], ptr[s + 1]):
            r = rank[nodes[e]]
            if r < best:
                best = r
        if best < order.shape[0]:
            gains[best] += 1
    return gains


@njit(cache=True, nogil=True)
def cascade_block(
    out_ptr,
    out_dst,
    out_pr,
    out_ub,
    node_p,
    node_log1mp,
    seeds,
    is_target,
    max_hops,
    decay,
    seed,
    first,
    count,
):
    """Simulations ``first … first+count-1`` of the hop-limited independent cascade from
    ``seeds``; returns the number of target nodes reached in each.

    Seeds are depth 0; a node reached at depth ``max_hops`` does not spread (0 = unlimited). An
    edge out of a node reached at depth h is live with probability p · decay**h.
    """
    n = out_ptr.shape[0] - 1
    stamp = np.full(n, -1, dtype=np.int32)
    queue = np.empty(n, dtype=np.int32)
    result = np.zeros(count, dtype=np.int64)
    for j in range(count):
        i = first + j
        state = stream_state(seed, 7, i)
        total = 0
        reached = 0
        for t in range(seeds.shape[0]):
            v = seeds[t]
            if stamp[v] != j:
                stamp[v] = j
                queue[total] = v
                total += 1
                if is_target[v]:
                    reached += 1
        head = 0
        level_end = total
        depth = 0
        scale = 1.0
        while head < total:
            if head == level_end:
                depth += 1
                level_end = total
                scale *= decay
            if max_hops > 0 and depth >= max_hops:
                break
            v = queue[head]
            head += 1
            a = out_ptr[v]
            b = out_ptr[v + 1]
            if a == b:
                continue
            p = node_p[v]
            if p >= 0.0:
                p = p * scale
                if p <= 0.0:
                    continue
                if p >= 1.0:
                    e = a
                else:
                    lg = node_log1mp[v] if scale == 1.0 else np.log1p(-p)
                    state, r = _next(state)
                    e = _skip(a, b, np.log(_unit(r)) / lg)
                while e < b:
                    u = out_dst[e]
                    if stamp[u] != j:
                        stamp[u] = j
                        queue[total] = u
                        total += 1
                        if is_target[u]:
                            reached += 1
                    if p >= 1.0:
                        e += 1
                    else:
                        state, r = _next(state)
                        e = _skip(e + 1, b, np.log(_unit(r)) / lg)
            else:
                e = a
                # likely edges one draw each (skipping active heads), the unlikely tail by thinning
                while e < b and out_ub[e] * scale >= _DENSE:
                    u = out_dst[e]
                    if stamp[u] != j:
                        state, r = _next(state)
                        if _unit(r) <= out_pr[e] * scale:
                            stamp[u] = j
                            queue[total] = u
                            total += 1
                            if is_target[u]:
                                reached += 1
                    e += 1
                while True:
                    state, e = _next_live(state, out_pr, out_ub, e, b, scale)
                    if e >= b:
                        break
                    u = out_dst[e]
                    e += 1
                    if stamp[u] != j:
                        stamp[u] = j
                        queue[total] = u
                        total += 1
                        if is_target[u]:
                            reached += 1
        result[j] = reached
    return result
