#!/usr/bin/env python3
"""Side by side, same input, one run: wangge vs GerryChain ReCom vs PySAL spopt max-p.

Reads the JSON written by `cargo run --release -p wangge-partition --example export_units`
(planning units, unit graph, bounds, seed, and wangge's own plan with its wall time), then splits
every community the way wangge does, with each tool:

- GerryChain: a seed plan from `recursive_tree_part`, then a ReCom Markov chain of STEPS steps
  (`recom` proposal, `contiguous` and `within_percent_of_ideal_population` constraints, always
  accept) keeping the best plan seen by wangge's own score (off-street boundary metres +
  0.5 x household deviation + 300 x (1 - Polsby-Popper) + 1000 x households out of bounds). The
  number of districts k is wangge's for the same piece; epsilon is the largest that keeps
  ideal x (1 +- epsilon) inside the bounds.
- spopt: `MaxPHeuristic` with threshold = the lower bound on households, on a libpysal W built from
  the edge list, with the unit centroids (metres) as the attributes whose within-region
  dissimilarity it minimises; max-p picks k itself.

As wangge does, a unit above the maximum is a grid of its own, and what is left of a community
is split piece by piece (connected pieces of the unit graph). Every plan, wangge's included, is
then measured here the same way on the unit graph: grids, share within [min, max], share
connected, mean Polsby-Popper (area = sum of unit areas; perimeter = sum of unit perimeters - 2 x
shared length between units of the same grid), and the street share of the internal grid boundary
(street length of cut edges / shared length of cut edges, edges inside a community).

Times are wall clock of the whole run of each tool (graph building, seed plan, chain, picking the
best plan), after the JSON is read and the packages are imported; wangge's is the wall time of its
`partition` call (median of the export's repeats), which also cuts the planning units and builds
the graph itself.

Usage: partition-vs-gerrychain.py [UNITS.json] [OUT.json] (defaults under tests/artifacts/);
STEPS=1000 (GerryChain steps per piece) in the environment.
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
import time
import warnings
from collections import defaultdict
from functools import partial
from importlib.metadata import version

import numpy as np

warnings.filterwarnings("ignore")

import libpysal  # noqa: E402
import networkx as nx  # noqa: E402
import pandas as pd  # noqa: E402
from gerrychain import Graph, MarkovChain, Partition  # noqa: E402
from gerrychain.accept import always_accept  # noqa: E402
from gerrychain.constraints import contiguous, within_percent_of_ideal_population  # noqa: E402
from gerrychain.partition import recursive_tree_part  # noqa: E402
from gerrychain.proposals import recom  # noqa: E402
from gerrychain.updaters import Tally, cut_edges  # noqa: E402
from spopt.region import MaxPHeuristic  # noqa: E402

# GerryChain's import turns warnings back on ("once"); its BipartitionWarning and pandas'
# deprecation notes from spopt are noise here.
warnings.filterwarnings("ignore")

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
UNITS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests/artifacts/partition-units.json")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "tests/artifacts/partition-vs-gerrychain.json")
STEPS = int(os.environ.get("STEPS", "1000"))
# spopt's own defaults for MaxPHeuristic.
MAXP_CONSTRUCTION = int(os.environ.get("MAXP_CONSTRUCTION", "99"))
MAXP_SA = int(os.environ.get("MAXP_SA", "10"))
TOOLS = os.environ.get("TOOLS", "gerrychain,spopt").split(",")

with open(UNITS) as f:
    D = json.load(f)
BMIN, BMAX = D["bounds"]["min"], D["bounds"]["max"]
MID = (BMIN + BMAX) / 2
SEED = D["seed"]
W_OPT = D["options"]["weights"]
UNITS_ = D["units"]
N = len(UNITS_)
HH = [u["households"] for u in UNITS_]
AREA = [u["area_m2"] for u in UNITS_]
PERIM = [u["perimeter_m"] for u in UNITS_]
COMM = [u["community"] for u in UNITS_]
XY = [(u["x"], u["y"]) for u in UNITS_]
EDGES = [(e["a"], e["b"], e["shared_m"], e["street_m"]) for e in D["edges"]]
ADJ: list[list[tuple[int, float, float]]] = [[] for _ in range(N)]
for a, b, s, st in EDGES:
    ADJ[a].append((b, s, st))
    ADJ[b].append((a, s, st))
WANGGE_GRID = D["wangge"]["grid_of_unit"]


def pp(area: float, perimeter: float) -> float:
    return min(4 * math.pi * area / (perimeter * perimeter), 1.0) if perimeter > 0 else 0.0


def violation(h: int) -> int:
    return max(BMIN - h, 0) + max(h - BMAX, 0)


def district_part(h: int, area: float, perimeter: float) -> float:
    """Wangge's per-district score (score.rs, Shape::score) with the exported weights."""
    return (
        W_OPT["per_household"] * abs(h - MID)
        + W_OPT["compactness"] * (1 - pp(area, perimeter))
        + W_OPT["out_of_bounds_per_household"] * violation(h)
    )


def plan_score(nodes: list[int], label: dict[int, int]) -> float:
    """Wangge's plan score over one piece: districts + off-street length of cut edges."""
    hh: dict[int, int] = defaultdict(int)
    area: dict[int, float] = defaultdict(float)
    per: dict[int, float] = defaultdict(float)
    off = 0.0
    for u in nodes:
        d = label[u]
        hh[d] += HH[u]
        area[d] += AREA[u]
        per[d] += PERIM[u]
        for v, s, st in ADJ[u]:
            if u < v and v in label:
                if label[v] == d:
                    per[d] -= 2 * s
                else:
                    off += max(s - st, 0.0)
    return sum(district_part(hh[d], area[d], per[d]) for d in hh) + W_OPT["off_street_per_m"] * off


# ---------------------------------------------------------------- pieces and wangge's k per piece
def pieces() -> list[dict]:
    """Per community: oversized units alone, then the connected pieces of the rest, each with
    wangge's number of grids in it."""
    by_comm: dict[int, list[int]] = defaultdict(list)
    for u in range(N):
        by_comm[COMM[u]].append(u)
    out = []
    for c in sorted(by_comm):
        members = by_comm[c]
        rest = {u for u in members if HH[u] <= BMAX}
        for u in members:
            if HH[u] > BMAX:
                out.append({"community": c, "nodes": [u], "oversized": True, "k": 1})
        seen: set[int] = set()
        for start in sorted(rest):
            if start in seen:
                continue
            seen.add(start)
            piece, stack = [start], [start]
            while stack:
                u = stack.pop()
                for v, _, _ in ADJ[u]:
                    if v in rest and v not in seen:
                        seen.add(v)
                        piece.append(v)
                        stack.append(v)
            piece.sort()
            k = len({WANGGE_GRID[u] for u in piece})
            out.append({"community": c, "nodes": piece, "oversized": False, "k": k})
    return out


PIECES = pieces()


# ---------------------------------------------------------------------------------- GerryChain
def gerrychain_piece(piece: dict, seed: int) -> tuple[dict[int, int], dict]:
    nodes, k = piece["nodes"], piece["k"]
    if piece["oversized"] or k <= 1 or len(nodes) <= 1:
        return {u: 0 for u in nodes}, {"k": 1, "steps": 0}
    nxg = nx.Graph()
    for u in nodes:
        nxg.add_node(u, households=HH[u])
    inside = set(nodes)
    for u in nodes:
        for v, s, _ in ADJ[u]:
            if u < v and v in inside:
                nxg.add_edge(u, v, shared=s)
    g = Graph.from_networkx(nxg)
    total = sum(HH[u] for u in nodes)
    ideal = total / k
    eps = min((ideal - BMIN) / ideal, (BMAX - ideal) / ideal)
    note = None
    if eps <= 0.005:
        note = f"ideal {ideal:.0f} is at or outside the bounds; epsilon set to 0.05"
        eps = 0.05
    rng = random.Random(seed)
    seed_plan = None
    for attempt in range(5):
        try:
            seed_plan = recursive_tree_part(g, range(k), ideal, "households", eps, rng=rng)
            break
        except Exception as e:  # noqa: BLE001 - any failure: retry with the next draws
            note = f"recursive_tree_part attempt {attempt + 1} failed: {type(e).__name__}: {e}"
    if seed_plan is None:
        return {u: 0 for u in nodes}, {"k": k, "steps": 0, "failed": note}
    initial = Partition(
        g,
        seed_plan,
        updaters={"population": Tally("households", alias="population"), "cut_edges": cut_edges},
    )
    graph = initial.graph
    original = {n: graph.original_nx_node_id_for_internal_node_id(n) for n in graph.node_indices}
    proposal = partial(recom, pop_col="households", pop_target=ideal, epsilon=eps, node_repeats=1)
    chain = MarkovChain(
        proposal_fn=proposal,
        constraints=[contiguous, within_percent_of_ideal_population(initial, eps)],
        acceptance_fn=always_accept,
        initial_partition=initial,
        total_steps=STEPS,
        rng=rng,
    )
    best, best_label, steps, errors = math.inf, None, 0, 0
    it = iter(chain)
    while True:
        try:
            state = next(it)
        except StopIteration:
            break
        except Exception as e:  # noqa: BLE001 - a proposal that finds no balanced cut ends the chain
            errors += 1
            note = f"chain stopped after {steps} steps: {type(e).__name__}: {e}"
            break
        steps += 1
        label = {original[n]: d for n, d in state.assignment.items()}
        score = plan_score(nodes, label)
        if score < best:
            best, best_label = score, label
    info = {"k": k, "epsilon": eps, "ideal": ideal, "steps": steps, "best_score": best}
    if note:
        info["note"] = note
    return best_label, info


# -------------------------------------------------------------------------------- spopt max-p
def maxp_piece(piece: dict, seed: int) -> tuple[dict[int, int], dict]:
    nodes = piece["nodes"]
    total = sum(HH[u] for u in nodes)
    if piece["oversized"] or len(nodes) <= 1 or total < BMIN:
        return {u: 0 for u in nodes}, {"k": 1}
    index = {u: i for i, u in enumerate(nodes)}
    neighbours = {i: [] for i in range(len(nodes))}
    for u in nodes:
        for v, _, _ in ADJ[u]:
            if v in index:
                neighbours[index[u]].append(index[v])
    w = libpysal.weights.W(neighbours, silence_warnings=True)
    df = pd.DataFrame(
        {
            "x": [XY[u][0] for u in nodes],
            "y": [XY[u][1] for u in nodes],
            "households": [HH[u] for u in nodes],
        }
    )
    np.random.seed(seed % 2**32)
    random.seed(seed)
    model = MaxPHeuristic(
        df,
        w,
        ["x", "y"],
        "households",
        BMIN,
        top_n=2,
        max_iterations_construction=MAXP_CONSTRUCTION,
        max_iterations_sa=MAXP_SA,
    )
    model.solve()
    labels = [int(x) for x in model.labels_]
    return {u: labels[index[u]] for u in nodes}, {"k": int(model.p)}


def run(tool) -> tuple[list, float, list]:
    """Runs one tool over every piece; returns (grid label per unit, seconds, per-piece info)."""
    grid = [None] * N
    infos = []
    started = time.perf_counter()
    for i, piece in enumerate(PIECES):
        label, info = tool(piece, SEED * 1_000_003 + i)
        for u, d in label.items():
            grid[u] = (i, d)
        info.update({"community": piece["community"], "units": len(piece["nodes"]), "wangge_k": piece["k"]})
        infos.append(info)
    return grid, time.perf_counter() - started, infos


# ---------------------------------------------------------------------- the same measure for all
def measure(grid: list) -> dict:
    members: dict = defaultdict(list)
    for u, g in enumerate(grid):
        members[g].append(u)
    hh, area, per = defaultdict(int), defaultdict(float), defaultdict(float)
    for u, g in enumerate(grid):
        hh[g] += HH[u]
        area[g] += AREA[u]
        per[g] += PERIM[u]
    cut_shared = cut_street = 0.0
    for a, b, s, st in EDGES:
        if grid[a] == grid[b]:
            per[grid[a]] -= 2 * s
        elif COMM[a] == COMM[b]:
            cut_shared += s
            cut_street += st
    connected = 0
    for g, us in members.items():
        inside, seen, stack = set(us), {us[0]}, [us[0]]
        while stack:
            u = stack.pop()
            for v, _, _ in ADJ[u]:
                if v in inside and v not in seen:
                    seen.add(v)
                    stack.append(v)
        connected += len(seen) == len(us)
    grids = list(members)
    pps = [pp(area[g], per[g]) for g in grids]
    within = sum(BMIN <= hh[g] <= BMAX for g in grids)
    oversized = sum(len(members[g]) == 1 and hh[g] > BMAX for g in grids)
    score = sum(district_part(hh[g], area[g], per[g]) for g in grids) + W_OPT["off_street_per_m"] * (
        cut_shared - cut_street
    )
    return {
        "grids": len(grids),
        "within_bounds": within,
        "within_bounds_share": within / len(grids),
        "oversized_single_units": oversized,
        "connected": connected,
        "connected_share": connected / len(grids),
        "households_min": min(hh[g] for g in grids),
        "households_max": max(hh[g] for g in grids),
        "mean_abs_deviation": sum(abs(hh[g] - MID) for g in grids) / len(grids),
        "mean_polsby_popper": sum(pps) / len(pps),
        "min_polsby_popper": min(pps),
        "street_share_of_cut": cut_street / cut_shared if cut_shared > 0 else 1.0,
        "cut_m": cut_shared,
        "cut_off_street_m": cut_shared - cut_street,
        "score": score,
    }


def wangge_outlines() -> dict:
    """Wangge's grid outlines as it wrote them (exported by export_units): holes and the
    Polsby-Popper with and without the holes' length."""
    grids = D["wangge"]["grids"]
    if not grids or "outline" not in grids[0]:
        return {}
    o = [g["outline"] for g in grids]
    with_holes = [pp(x["area_m2"], x["exterior_m"] + x["holes_m"]) for x in o]
    exterior = [pp(x["area_m2"], x["exterior_m"]) for x in o]
    holed = [x for x in o if x["holes"] > 0]
    unit_area: dict[int, float] = defaultdict(float)
    for u, g in enumerate(WANGGE_GRID):
        unit_area[g] += AREA[u]
    return {
        "grids_with_holes": len(holed),
        "holes": sum(x["holes"] for x in o),
        "hole_length_m": sum(x["holes_m"] for x in o),
        # The holes enclose no land: the outline's area is the sum of its units' areas.
        "hole_area_m2_max": max(
            (abs(unit_area[g["index"]] - g["outline"]["area_m2"]) for g in grids if g["outline"]["holes"] > 0),
            default=0.0,
        ),
        "multi_part_grids": sum(x["parts"] > 1 for x in o),
        "mean_polsby_popper_outline": sum(with_holes) / len(o),
        "mean_polsby_popper_outline_exterior_only": sum(exterior) / len(o),
        "report_mean_polsby_popper": D["wangge"]["totals"]["mean_polsby_popper"],
    }


def main() -> None:
    results = {}
    wg = [("wangge", g) for g in WANGGE_GRID]
    results["wangge"] = {
        "seconds": D["wangge"]["elapsed_ms"] / 1000,
        "metrics": measure(wg),
        "outlines": wangge_outlines(),
        "settings": {k: D["options"][k] for k in ("recom_steps", "tree_tries", "street_bias", "temperature")},
        "runs_ms": D["wangge"].get("elapsed_ms_runs"),
        "note": "median wall time of partition() (same seed, same plan, repeated in the export run): "
        "planning units + unit graph + search + grid outlines + report",
    }
    search_only = (D["wangge"]["elapsed_ms"] - D["timing_ms"]["planning_units"] - D["timing_ms"]["unit_graph"]) / 1000
    if "gerrychain" in TOOLS:
        grid, secs, info = run(gerrychain_piece)
        results["gerrychain"] = {
            "seconds": secs,
            "metrics": measure(grid),
            "pieces": info,
            "settings": {
                "steps_per_piece": STEPS,
                "proposal": "recom, node_repeats=1, epsilon = largest keeping ideal*(1+-eps) in bounds",
                "accept": "always_accept",
                "constraints": ["contiguous", "within_percent_of_ideal_population(epsilon)"],
                "seed_plan": "recursive_tree_part",
                "k": "wangge's per piece",
                "kept": "best plan seen by wangge's score",
            },
        }
    if "spopt" in TOOLS:
        grid, secs, info = run(maxp_piece)
        results["spopt_maxp"] = {
            "seconds": secs,
            "metrics": measure(grid),
            "pieces": info,
            "settings": {
                "threshold": BMIN,
                "threshold_name": "households",
                "attrs": ["x", "y"],
                "top_n": 2,
                "max_iterations_construction": MAXP_CONSTRUCTION,
                "max_iterations_sa": MAXP_SA,
                "k": "chosen by max-p",
            },
        }
    wangge_s = results["wangge"]["seconds"]
    for name, r in results.items():
        if name != "wangge":
            r["time_ratio_vs_wangge"] = r["seconds"] / wangge_s
            r["time_ratio_vs_wangge_search_only"] = r["seconds"] / search_only
    doc = {
        "input": {
            "file": os.path.relpath(UNITS, ROOT),
            "dataset": D["dataset"],
            "counts": D["counts"],
            "bounds": D["bounds"],
            "seed": SEED,
            "pieces": len(PIECES),
            "export_timing_ms": D["timing_ms"],
        },
        "versions": {p: version(p) for p in ("gerrychain", "spopt", "libpysal", "networkx", "rustworkx", "numpy")}
        | {"python": sys.version.split()[0]},
        "wangge_search_only_seconds_estimate": search_only,
        "results": results,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1)

    c = D["counts"]
    print(
        f"== {D['dataset']}: {c['communities']} communities, {c['units']} units, {c['edges']} edges, "
        f"{c['households']} households; bounds {BMIN}-{BMAX}; {len(PIECES)} pieces; "
        f"wangge's k = {sum(p['k'] for p in PIECES)} =="
    )
    print(
        f"{'tool':<12}{'time s':>10}{'x wangge':>10}{'grids':>7}{'in bounds':>11}{'connected':>11}"
        f"{'mean PP':>9}{'street':>8}{'off-street m':>14}{'hh min-max':>12}{'|dev|':>7}{'score':>10}"
    )
    for name, r in results.items():
        m = r["metrics"]
        ratio = r.get("time_ratio_vs_wangge", 1.0)
        print(
            f"{name:<12}{r['seconds']:>10.3f}{f'{ratio:.0f}x':>10}{m['grids']:>7}"
            f"{m['within_bounds_share'] * 100:>10.1f}%{m['connected_share'] * 100:>10.1f}%"
            f"{m['mean_polsby_popper']:>9.3f}{m['street_share_of_cut'] * 100:>7.1f}%{m['cut_off_street_m']:>14.0f}"
            f"{str(m['households_min']) + '-' + str(m['households_max']):>12}{m['mean_abs_deviation']:>7.1f}"
            f"{m['score']:>10.0f}"
        )
    print(
        "PP and street share measured here on the unit graph for every tool; street = street length / "
        "shared length of cut edges inside communities; score = wangge's objective (lower is better)."
    )
    print(
        f"wangge's time is its whole partition() call, median of {len(D['wangge'].get('elapsed_ms_runs', [0]))} runs "
        f"{[round(t) for t in D['wangge'].get('elapsed_ms_runs', [])]} ms (it cuts units and builds the graph itself); its search "
        f"alone is about {search_only * 1000:.0f} ms (partition minus planning units and graph, timed apart)."
    )
    if "gerrychain" in results:
        print(f"GerryChain: {STEPS} ReCom steps per piece, k = wangge's.")
        for i in results["gerrychain"]["pieces"]:
            if "note" in i or "failed" in i:
                print(f"  gerrychain note, community {i['community']}: {i.get('failed') or i.get('note')}")
    if "spopt_maxp" in results:
        ks = results["spopt_maxp"]["pieces"]
        print(
            f"max-p chose k = {sum(i['k'] for i in ks)} in all vs wangge's {sum(p['k'] for p in PIECES)} "
            f"(per piece: {[i['k'] for i in ks]} vs {[p['k'] for p in PIECES]})."
        )
    o = results["wangge"]["outlines"]
    if o:
        print(
            f"wangge's written outlines: {o['grids_with_holes']} of {results['wangge']['metrics']['grids']} grids have "
            f"holes ({o['holes']} rings, {o['hole_length_m']:.0f} m, zero area: largest area gap "
            f"{o['hole_area_m2_max']:.2f} m2), {o['multi_part_grids']} multi-part; mean PP of the outlines "
            f"{o['mean_polsby_popper_outline']:.3f} with the holes, {o['mean_polsby_popper_outline_exterior_only']:.3f} "
            f"exterior only (report: {o['report_mean_polsby_popper']:.3f})."
        )
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
