"""Small helpers shared by ``bench/run`` and ``bench/load``: percentiles, summaries, the machine, the SVG chart."""
from __future__ import annotations

import math
import os
import platform
import subprocess
from html import escape


def percentile(values, p: float) -> float:
    """The ``p``-th percentile (0..100) by linear interpolation between closest ranks (numpy's default).

    percentile([1, 2, 3, 4], 50) == 2.5; an empty list raises ValueError.
    """
    data = sorted(values)
    if not data:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError("p must be between 0 and 100")
    rank = (len(data) - 1) * p / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(data[low])
    return data[low] + (data[high] - data[low]) * (rank - low)


def summary(times_ms) -> dict:
    """p50 / p95 / p99 / max / mean of a list of milliseconds, rounded to 0.1 ms."""
    times_ms = list(times_ms)
    return {"n": len(times_ms), "p50": round(percentile(times_ms, 50), 1), "p95": round(percentile(times_ms, 95), 1),
            "p99": round(percentile(times_ms, 99), 1), "max": round(max(times_ms), 1),
            "mean": round(sum(times_ms) / len(times_ms), 1)}


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on this platform
        return "?"


def machine() -> dict:
    """nproc, memory, CPU model, Python, the load average now, and the commit measured."""
    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "load_average": load_average()}
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            total = next(line for line in fh if line.startswith("MemTotal"))
        info["memory_gb"] = round(int(total.split()[1]) / 1024 / 1024, 1)
    except (OSError, StopIteration):
        info["memory_gb"] = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        info["cpu"] = platform.processor()
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                        check=False, cwd=os.path.dirname(__file__)).stdout.strip()
    except OSError:
        info["commit"] = ""
    return info


def svg_chart(series: dict, title: str, x_label: str, y_label: str, width: int = 760, height: int = 420) -> str:
    """A line chart as SVG text, log-scaled x: ``series`` maps a name to a list of ``(x, y)`` points."""
    left, right, top, bottom = 70, 230, 40, 60
    points = [pt for pts in series.values() for pt in pts if pt[0] > 0]
    if not points:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="60"><text x="10" y="30">' \
               f'{escape(title)}: no data</text></svg>'
    xs = [math.log10(x) for x, _y in points]
    x_min, x_max = min(xs), max(xs)
    if x_max - x_min < 1e-9:
        x_min, x_max = x_min - 0.5, x_max + 0.5
    y_max = max(y for _x, y in points) * 1.1 or 1
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(x):
        return left + (math.log10(x) - x_min) / (x_max - x_min) * plot_w

    def sy(y):
        return top + plot_h - y / y_max * plot_h

    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
               "#bcbd22", "#17becf", "#393b79", "#637939"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
           f'font-size="12">', f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2 - 100}" y="20" font-size="14">{escape(title)}</text>',
           f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="black"/>']
    for i in range(6):
        y = y_max * i / 5
        out.append(f'<line x1="{left - 4}" y1="{sy(y):.1f}" x2="{left + plot_w}" y2="{sy(y):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 8}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:.0f}</text>')
    for x in sorted({x for x, _y in points}):
        out.append(f'<text x="{sx(x):.1f}" y="{top + plot_h + 18}" text-anchor="middle">{x:,}</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{height - 15}" text-anchor="middle">{escape(x_label)}</text>')
    out.append(f'<text transform="translate(18,{top + plot_h / 2}) rotate(-90)" text-anchor="middle">'
               f'{escape(y_label)}</text>')
    for index, (name, pts) in enumerate(sorted(series.items())):
        colour = colours[index % len(colours)]
        pts = sorted(pt for pt in pts if pt[0] > 0)
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
        dash = ' stroke-dasharray="5,3"' if "postgres" in name else ""
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for x, y in pts:
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{colour}"/>')
        ly = top + 14 * index
        out.append(f'<line x1="{width - right + 10}" y1="{ly}" x2="{width - right + 30}" y2="{ly}" '
                   f'stroke="{colour}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{width - right + 35}" y="{ly + 4}">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)
