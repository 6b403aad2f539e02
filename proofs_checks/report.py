"""Reports: one :class:`Report` per check, written as ``report.md``, ``report.html`` (from the same
content) and ``results.json`` with PNG plots, and counterexamples saved for replay.

Every report records its provenance (rlcert's version, Python, numpy, scipy, numba, the platform,
seed, backend, trial counts and the subject with all its parameters). A counterexample file holds
arrays and JSON text only: the check, seed and trial index, the trial's numbers, the subject as an
import path with JSON parameters, and the instance when the check can rebuild it. Writing a
report into a folder first removes the files of the report written there before (listed in its
``results.json``), and no other file.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import textwrap
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
    provenance: dict[str, Any] = field(default_factory=dict)

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
        d["provenance"] = _jsonable(self.provenance)
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
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(getattr(obj, "card_id", None), str):
        return obj.card_id
    return repr(obj)


# -- counterexamples ---------------------------------------------------------------------------------
def save_counterexample(report: Report, path: str | os.PathLike, replay_instance=None,
                        params: dict | None = None) -> str:
    """Save what reproduces a violated trial: the check, seed and trial index, the subject as an
    import path with JSON parameters (when it can be rebuilt so; otherwise only its name, and
    ``replay`` needs the subject handed back) and, when the check can rebuild it, the
    instance."""
    payload: dict[str, Any] = {
        "format": "rlcert-counterexample-1",
        "check_id": report.check_id, "seed": report.seed, "index": report.counterexample,
        "trial": json.dumps(_jsonable(report.trials_by_index(report.counterexample))),
        "subject_name": report.subject,
    }
    spec = report.provenance.get("subject_spec")
    if spec is not None:
        payload["subject_spec"] = json.dumps(spec)
    if replay_instance is not None:
        if report.counterexample is None:  # the instance is rebuilt from the trial's seed
            raise ValueError(f"report {report.check_id!r} has no counterexample "
                             f"(report.counterexample=None) to rebuild the instance of")
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
    """Draw one figure with matplotlib's Agg backend (see :class:`~.framework.Plot`)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    if plot.kind == "curves":
        _draw_curves(ax, plot)
    else:
        _draw_hist(ax, plot)
    if plot.integer_y:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("\n".join(textwrap.wrap(plot.title, 60)), fontsize=10)
    ax.set_xlabel(plot.xlabel)
    ax.set_ylabel(plot.ylabel)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _positive(x: np.ndarray, y: np.ndarray, log: bool) -> tuple[np.ndarray, np.ndarray, int]:
    keep = np.isfinite(y) & ((y > 0) if log else True)
    return x[keep], y[keep], int((~keep).sum())


def _draw_curves(ax, plot: Plot) -> None:
    x = np.asarray(plot.x, dtype=float)
    curves = np.atleast_2d(np.asarray(plot.curves, dtype=float))
    med = np.median(curves, axis=0)
    log_y = plot.loglog
    extra = [np.asarray(plot.bound, dtype=float)] if plot.bound is not None else []
    extra += [np.asarray(y, dtype=float) for _, y in plot.references]
    xm, ym, zeros = _positive(x, med, log_y)
    label = "measured (median)" if curves.shape[0] > 1 else "measured"
    if zeros:
        label += f"; {zeros} point{'s' if zeros != 1 else ''} at 0 not drawn"
    ax.plot(xm, ym, "o-" if xm.size < 40 else "-", ms=3, label=label)
    if curves.shape[0] > 1:
        lo, hi = np.quantile(curves, 0.1, axis=0), np.quantile(curves, 0.9, axis=0)
        band = (lo > 0) if log_y else np.ones_like(lo, dtype=bool)
        if np.any(hi > lo):
            ax.fill_between(x[band], lo[band], hi[band], alpha=0.3, label="10-90% of trials")
    if plot.bound is not None:
        xb, yb, _ = _positive(x, extra[0], log_y)
        ax.plot(xb, yb, "k--", label=plot.bound_label)
    for (name, _), y in zip(plot.references, extra[1 if plot.bound is not None else 0:]):
        xr, yr, _ = _positive(x, y, log_y)
        ax.plot(xr, yr, ":", label=name)
    for name, xv in plot.vlines:
        ax.axvline(float(xv), color="gray", linestyle="-.", label=name)
    if plot.loglog:
        ax.set_xscale("log")
        drawn = np.concatenate([ym] + [e[np.isfinite(e) & (e > 0)] for e in extra])
        if drawn.size and np.all(drawn > 0):
            ax.set_yscale("log")
    ax.legend(fontsize=8)


def _draw_hist(ax, plot: Plot) -> None:
    vals = np.asarray(plot.curves, dtype=float)
    vals = vals[np.isfinite(vals)]
    if vals.size and np.all(vals == vals[0]):
        ax.bar([vals[0]], [vals.size], width=max(abs(vals[0]) * 0.05, 1e-12))
        ax.text(0.5, 0.9, f"all {vals.size} trials: {vals[0]:.6g}", transform=ax.transAxes,
                ha="center")
    else:
        ax.hist(vals, bins=min(40, max(5, int(np.sqrt(vals.size)))))
    from matplotlib.ticker import MaxNLocator
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if plot.reference is not None:
        ax.axvline(plot.reference, color="k", linestyle="--")


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


def plural(n: int, word: str) -> str:
    """``"1 check"``, ``"2 checks"``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def md_text(text: str) -> str:
    """Text for the markdown report: asterisks (``mu*``, ``a * b``) escaped so that they are
    not read as emphasis."""
    return text.replace("*", r"\*")


def _provenance_lines(reports: list[Report]) -> list[str]:
    if not reports or not reports[0].provenance:
        return []
    p = reports[0].provenance
    keys = ("rlcert", "python", "numpy", "scipy", "numba", "sympy", "cvxpy", "platform")
    return ["Provenance: " + "; ".join(f"{k} {p[k]}" for k in keys if k in p) + ".", ""]


def _markdown(reports: list[Report], images: dict[str, list[str]], header: dict) -> str:
    failed = [r.check_id for r in reports if r.status.fails]
    lines = ["# rlcert verification report", "",
             f"Generated {time.strftime('%Y-%m-%d %H:%M:%S')}; seed {header['seed']}; backend "
             f"{header['backend']}; {plural(len(reports), 'check')}; "
             + ("**violated: " + ", ".join(failed) + "**" if failed else "nothing violated") + ".",
             "", *_provenance_lines(reports),
             "Verdict rules: deterministic guarantees hold only if every instance satisfies "
             "the bound; high-probability guarantees are judged by one-sided Clopper-Pearson "
             "limits of the pass rate against 1 - delta; expectation guarantees by one-sided "
             "empirical-Bernstein bounds on the mean; a bound at or above the trivial bound is "
             "`vacuous`; rates (log-log slope with a bootstrap interval) are `consistent` or "
             "`inconsistent` over the tested range and never set the exit code. Every measured "
             "quantity is computed by the verifier from what it observed in its own "
             "environment; nothing a subject reports about itself is evidence.", "",
             summary_markdown(reports), ""]
    for r in reports:
        lines += [f"## {r.check_id}", "", f"*{md_text(r.title)}* (card `{r.card_id or '-'}`, "
                  f"subject `{r.subject}`; {plural(r.n_trials, 'trial')}, seed {r.seed})", "",
                  f"**{r.status}**: {md_text(r.details)}", ""]
        for name, verdict in r.secondary.items():
            lines.append(f"- {md_text(name)}: **{verdict}**")
        params = r.provenance.get("subject_params")
        if params:
            lines.append(f"- subject parameters: `{json.dumps(_jsonable(params))}`")
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
    """A small markdown subset to HTML (headings, tables, lists, images, bold, italics, code;
    ``\\*`` is a literal asterisk)."""

    def inline(text: str) -> str:
        text = html.escape(text).replace("\\*", "\x00")
        text = re.sub(r"`(.+?)`", lambda m: "<code>" + m.group(1) + "</code>", text)
        text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
        text = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"<i>\1</i>", text)
        return text.replace("\x00", "*")

    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>rlcert report</title>"
           "<style>body{font-family:sans-serif;max-width:1200px;margin:auto;padding:0 1em}"
           "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px;"
           "vertical-align:top}h2{overflow-wrap:anywhere}img{max-width:100%}"
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


#: The files a report consists of besides its plots.
REPORT_FILES = ("report.md", "report.html", "results.json")


def clear_previous_report(out: str | os.PathLike) -> list[str]:
    """Remove the files of the report written into ``out`` before (listed in its
    ``results.json``); other files are left alone. Returns the names removed."""
    out = Path(out)
    listing = out / "results.json"
    if not listing.exists():
        return []
    try:
        files = json.loads(listing.read_text()).get("files", [])
    except (ValueError, AttributeError):
        files = []
    removed = []
    for name in list(files) + list(REPORT_FILES):
        target = out / os.path.basename(str(name))
        if target.is_file():
            target.unlink()
            removed.append(target.name)
    return removed


def write_reports(reports: list[Report], out_dir: str | os.PathLike, *, seed: int,
                  backend: str, clear: bool = True) -> dict[str, str]:
    """Write ``report.md``, ``report.html``, ``results.json`` and the PNG plots into ``out_dir``,
    after removing the files of a report written there before (``clear``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if clear:
        clear_previous_report(out)
    images: dict[str, list[str]] = {}
    for r in reports:
        for j, plot in enumerate(r.plots):
            name = f"{r.check_id.replace('.', '_').replace('/', '_')}_{j}.png"
            render_plot(plot, str(out / name))
            images.setdefault(r.check_id, []).append(name)
    md = _markdown(reports, images, {"seed": seed, "backend": backend})
    (out / "report.md").write_text(md)
    (out / "report.html").write_text(_html(md))
    files = [n for names in images.values() for n in names]
    counterexamples = [os.path.basename(r.counterexample_path) for r in reports
                       if r.counterexample_path and Path(r.counterexample_path).parent == out]
    provenance = reports[0].provenance if reports else {}
    (out / "results.json").write_text(json.dumps(_jsonable(
        {"seed": seed, "backend": backend,
         "versions": {k: v for k, v in provenance.items()
                      if k in ("rlcert", "python", "numpy", "scipy", "numba", "sympy", "cvxpy",
                               "platform")},
         "files": list(REPORT_FILES) + files + counterexamples,
         "checks": [r.to_dict() for r in reports]}), indent=1))
    return {"markdown": str(out / "report.md"), "html": str(out / "report.html"),
            "json": str(out / "results.json")}
