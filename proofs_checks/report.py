"""Reports: one :class:`Report` per check, written as ``report.md``, ``report.html`` (from the same
content) and ``results.json`` with PNG plots, and counterexamples saved for replay."""

from __future__ import annotations

import html
import json
import math
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .framework import Plot
from .verdicts import Verdict


@dataclass
class Report:
    """The result of verifying one check.

    Attributes
    ----------
    status : Verdict
        ``holds``, ``violated``, ``inconclusive``, ``vacuous``, ``consistent``, ``inconsistent``
        or ``reported``.
    pass_rate, pass_rate_ci : float, (float, float)
        Frequency of trials in which the bound held, and its one-sided Clopper-Pearson limits.
    slope, slope_ci : float, (float, float)
        Log-log slope of the measured quantity and its bootstrap interval (rate checks).
    secondary : dict
        Further verdicts of the same check (e.g. a rate verdict beside a bound verdict).
    trials : list of dict
        Per-trial data, in trial order.
    """

    check_id: str
    card_id: str | None
    title: str
    guarantee: str
    status: Verdict
    details: str
    n_trials: int
    n_requested: int
    seconds: float
    seed: int
    backend: str
    subject: str
    alpha: float
    delta: float
    interrupted: bool = False
    pass_rate: float | None = None
    pass_rate_ci: tuple[float, float] | None = None
    slope: float | None = None
    slope_ci: tuple[float, float] | None = None
    secondary: dict[str, Verdict] = field(default_factory=dict)
    numbers: dict[str, Any] = field(default_factory=dict)
    trials: list[dict] = field(default_factory=list)
    plots: tuple[Plot, ...] = ()
    counterexample: int | None = None
    counterexample_path: str | None = None
    subject_object: Any = None

    def row(self) -> dict:
        """The summary-table row."""
        return {
            "check": self.check_id, "card": self.card_id or "-", "guarantee": self.guarantee,
            "verdict": str(self.status) + (" (partial)" if self.interrupted else ""),
            "pass rate": "-" if self.pass_rate is None else f"{self.pass_rate:.4f}",
            "CI": "-" if self.pass_rate_ci is None else
                  f"[{self.pass_rate_ci[0]:.4f}, {self.pass_rate_ci[1]:.4f}]",
            "slope": "-" if self.slope is None or math.isnan(self.slope) else f"{self.slope:.3f}",
            "slope CI": "-" if self.slope_ci is None or any(map(math.isnan, self.slope_ci)) else
                        f"[{self.slope_ci[0]:.3f}, {self.slope_ci[1]:.3f}]",
            "trials": f"{self.n_trials}" + (f"/{self.n_requested}" if self.interrupted else ""),
            "time (s)": f"{self.seconds:.1f}",
        }

    def trials_by_index(self, index: int | None) -> dict:
        """The trial dict with this index (empty if absent)."""
        for t in self.trials:
            if t.get("index") == index:
                return t
        return {}

    def to_dict(self, with_trials: bool = True) -> dict:
        """JSON-ready."""
        d = {k: getattr(self, k) for k in ("check_id", "card_id", "title", "guarantee",
                                            "details", "n_trials", "n_requested", "seconds",
                                            "seed", "backend", "subject", "alpha", "delta",
                                            "interrupted", "pass_rate", "pass_rate_ci", "slope",
                                            "slope_ci", "counterexample", "counterexample_path")}
        d["status"] = str(self.status)
        d["secondary"] = {k: str(v) for k, v in self.secondary.items()}
        d["numbers"] = _jsonable(self.numbers)
        if with_trials:
            d["trials"] = _jsonable(self.trials)
        return d


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return None if math.isnan(f) else (str(f) if math.isinf(f) else f)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, Verdict):
        return str(obj)
    return obj


# -- counterexamples ---------------------------------------------------------------------------------
def save_counterexample(report: Report, path: str | os.PathLike, replay_instance=None,
                        params: dict | None = None) -> str:
    """Save what reproduces a violated trial: the check, seed and trial index, the subject (when
    it can be pickled) and, when the check can rebuild it, the instance."""
    payload: dict[str, Any] = {
        "check_id": report.check_id, "seed": report.seed, "index": report.counterexample,
        "trial": json.dumps(_jsonable(report.trials_by_index(report.counterexample))),
    }
    try:
        payload["subject"] = np.frombuffer(pickle.dumps(report.subject_object), dtype=np.uint8)
    except Exception:  # a subject that cannot be pickled is replayed with the default subject
        payload["subject_repr"] = repr(report.subject_object)
    if replay_instance is not None:
        child = np.random.SeedSequence(report.seed, spawn_key=(report.counterexample,))
        model = replay_instance(params or {}, child)
        if model is not None:
            payload["instance_P"] = model.dense_P()
            payload["instance_R"] = model.R
            payload["instance_gamma"] = np.nan if model.gamma is None else model.gamma
    np.savez(path, **payload)
    return os.fspath(path)


# -- plots -------------------------------------------------------------------------------------------
def render_plot(plot: Plot, path: str) -> str:
    """Draw one figure with matplotlib's Agg backend."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    if plot.kind == "curves":
        x = np.asarray(plot.x, dtype=float)
        curves = np.atleast_2d(np.asarray(plot.curves, dtype=float))
        med = np.median(curves, axis=0)
        lo, hi = np.quantile(curves, 0.1, axis=0), np.quantile(curves, 0.9, axis=0)
        ax.plot(x, med, label="measured (median)")
        ax.fill_between(x, lo, hi, alpha=0.3, label="10-90% of trials")
        if plot.bound is not None:
            ax.plot(x, np.asarray(plot.bound, dtype=float), "k--", label="bound")
        if plot.loglog:
            ax.set_xscale("log")
            if np.all(med > 0):
                ax.set_yscale("log")
        ax.legend()
    else:
        vals = np.asarray(plot.curves, dtype=float)
        vals = vals[np.isfinite(vals)]
        ax.hist(vals, bins=40)
        if plot.reference is not None:
            ax.axvline(plot.reference, color="k", linestyle="--")
    ax.set_title(plot.title)
    ax.set_xlabel(plot.xlabel)
    ax.set_ylabel(plot.ylabel)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


# -- documents ---------------------------------------------------------------------------------------
_COLUMNS = ("check", "card", "guarantee", "verdict", "pass rate", "CI", "slope", "slope CI",
            "trials", "time (s)")


def summary_markdown(reports: list[Report]) -> str:
    """The summary table in markdown."""
    lines = ["| " + " | ".join(_COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
    for r in reports:
        row = r.row()
        lines.append("| " + " | ".join(row[c] for c in _COLUMNS) + " |")
    return "\n".join(lines)


def _markdown(reports: list[Report], images: dict[str, list[str]], header: dict) -> str:
    failed = [r.check_id for r in reports if r.status.fails]
    lines = ["# rlcert verification report", "",
             f"Generated {time.strftime('%Y-%m-%d %H:%M:%S')}; seed {header['seed']}; backend "
             f"{header['backend']}; {len(reports)} checks; "
             + ("**violated: " + ", ".join(failed) + "**" if failed else "nothing violated") + ".",
             "", "Verdict rules: deterministic guarantees hold only if every instance satisfies "
             "the bound; high-probability guarantees are judged by one-sided Clopper-Pearson "
             "limits of the pass rate against 1 - delta; expectation guarantees by one-sided "
             "empirical-Bernstein bounds on the mean; a bound at or above the trivial bound is "
             "`vacuous`; rates (log-log slope with a bootstrap interval) are `consistent` or "
             "`inconsistent` over the tested range and never set the exit code.", "",
             summary_markdown(reports), ""]
    for r in reports:
        lines += [f"## {r.check_id}", "", f"*{r.title}* (card `{r.card_id or '-'}`, subject "
                  f"`{r.subject}`)", "", f"**{r.status}**: {r.details}", ""]
        for name, verdict in r.secondary.items():
            lines.append(f"- {name}: **{verdict}**")
        if r.interrupted:
            lines.append(f"- interrupted: {r.n_trials} of {r.n_requested} trials finished")
        if r.counterexample_path:
            lines.append(f"- counterexample saved: `{r.counterexample_path}` (replay with "
                         f"`rlcert replay {r.counterexample_path}`)")
        lines.append("")
        for img in images.get(r.check_id, []):
            lines += [f"![{r.check_id}]({img})", ""]
    return "\n".join(lines)


def _html(markdown: str) -> str:
    """A small markdown subset to HTML (headings, tables, lists, images, bold, code)."""
    import re

    def inline(text: str) -> str:
        text = html.escape(text)
        text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
        text = re.sub(r"`(.+?)`", r"<code>\1</code>", text)
        return re.sub(r"\*(.+?)\*", r"<i>\1</i>", text)

    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>rlcert report</title>"
           "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
           "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}"
           "</style></head><body>"]
    in_table = in_list = False
    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if set("".join(cells)) <= set("-"):
                continue
            if not in_table:
                out.append("<table>")
                in_table = True
                out.append("<tr>" + "".join(f"<th>{inline(c)}</th>" for c in cells) + "</tr>")
            else:
                out.append("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table>")
            in_table = False
        if line.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{inline(line[2:])}</li>")
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        if line.startswith("## "):
            out.append(f"<h2>{inline(line[3:])}</h2>")
        elif line.startswith("# "):
            out.append(f"<h1>{inline(line[2:])}</h1>")
        elif line.startswith("!["):
            src = line[line.index("(") + 1:-1]
            out.append(f"<img src='{html.escape(src)}' alt='plot'>")
        elif line.strip():
            out.append(f"<p>{inline(line)}</p>")
    if in_table:
        out.append("</table>")
    if in_list:
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out)


def write_reports(reports: list[Report], out_dir: str | os.PathLike, *, seed: int,
                  backend: str) -> dict[str, str]:
    """Write ``report.md``, ``report.html``, ``results.json`` and the PNG plots into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    images: dict[str, list[str]] = {}
    for r in reports:
        for j, plot in enumerate(r.plots):
            name = f"{r.check_id.replace('.', '_').replace('/', '_')}_{j}.png"
            render_plot(plot, str(out / name))
            images.setdefault(r.check_id, []).append(name)
    md = _markdown(reports, images, {"seed": seed, "backend": backend})
    (out / "report.md").write_text(md)
    (out / "report.html").write_text(_html(md))
    (out / "results.json").write_text(json.dumps(
        {"seed": seed, "backend": backend, "checks": [r.to_dict() for r in reports]}, indent=1))
    return {"markdown": str(out / "report.md"), "html": str(out / "report.html"),
            "json": str(out / "results.json")}
