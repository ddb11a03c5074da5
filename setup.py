"""The package index's description: README.md with its relative links made to work there.

Everything else about the package is in pyproject.toml; this file only computes the
``readme`` that pyproject.toml declares dynamic. README.md points at its screenshots and
lessons by relative paths (they render on a repository host and in a checkout), which a
package index cannot resolve. ``[tool.lstmviz.package-index] files-url`` in pyproject.toml
is the one value that fixes it: the URL under which the repository's files are served as
raw files at the released version (e.g. ``https://raw.githubusercontent.com/OWNER/lstmviz/v0.1.0``).
When set, every relative link and image of the description points under it; while it is
empty (the project has no public host yet) images and links become text naming the file,
which the source distribution carries, rather than broken images.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ![alt](target) or [text](target), target relative (no scheme, not an in-page #anchor)
_LINK = re.compile(r"(?P<bang>!?)\[(?P<label>[^\]]*)\]\((?P<target>(?![a-zA-Z][a-zA-Z0-9+.-]*:|#|/)[^)\s]+)\)")


def files_url(pyproject: dict) -> str:
    """The configured base URL of the repository's raw files ('' while there is none)."""
    value = pyproject.get("tool", {}).get("lstmviz", {}).get("package-index", {}).get("files-url", "")
    return str(value).strip().rstrip("/")


def index_readme(text: str, base: str) -> str:
    """README.md as the package index shows it: relative targets under ``base``, or (no
    ``base``) images and links turned into text that names the file in the sdist."""
    def fix(m: re.Match[str]) -> str:
        bang, label, target = m["bang"], m["label"], m["target"]
        if base:
            return f"{bang}[{label}]({base}/{target.removeprefix('./')})"
        if bang:
            return f"*[{label}: `{target}` in the source distribution]*"
        return f"{label} (`{target}` in the source distribution)"

    return _LINK.sub(fix, text)


if __name__ == "__main__":
    from setuptools import setup

    conf = tomllib.loads((HERE / "pyproject.toml").read_text(encoding="utf-8"))
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    setup(long_description=index_readme(readme, files_url(conf)),
          long_description_content_type="text/markdown")
