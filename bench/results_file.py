"""Write a run's Markdown into bench/RESULTS.md between markers; the text around them (the
diagnosis of missed targets) is kept."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"


def record(markdown: str, path: Path = RESULTS) -> None:
    block = f"{START}\n{markdown}\n{END}"
    text = path.read_text() if path.exists() else f"# Benchmark results\n\n{START}\n{END}\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)
