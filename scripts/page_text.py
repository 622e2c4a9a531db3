"""Print a page's visible text for a human reader labelling it (not the project's pipeline).

    python scripts/page_text.py FILE

HTML: BeautifulSoup's text of the page with scripts and styles dropped, one
line per block; GBK and UTF-8 pages both read.  Text files print as they are.
Labellers read this, never `policykb show`: gold copied from the project's
output measures nothing.
"""

import sys
from pathlib import Path

from bs4 import BeautifulSoup


def read(path: Path) -> str:
    data = path.read_bytes()
    for enc in ("utf-8", "gb18030", "big5"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("utf-8", "replace")
    if path.suffix.lower() not in {".html", ".htm", ".shtml"}:
        return text
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    lines = (line.strip() for line in soup.get_text("\n").splitlines())
    return "\n".join(line for line in lines if line)


if __name__ == "__main__":
    sys.stdout.write(read(Path(sys.argv[1])) + "\n")
