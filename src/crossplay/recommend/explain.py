"""Why an item was recommended, in zh-CN and en.

For a personalised list, each recommended item is traced to the history items that
recommend it most on their own: the model scores the user's history one item at a time
(a one-item history per row), and the history item whose one-item score of the
recommendation is highest is named ("因为你玩了《霸业志》" / "because you played Dominion
Chronicles"). The tags it cites are read from the catalog: the category and tags that the
recommended item *and* every cited item carry (compared case-insensitively, each named
once, at most three), in the reader's language (:func:`crossplay.recommend.text.tag_label`:
a Chinese tag with no English form is left out of English text, unless the cited item has
no English title either). Non-personalised lists say so (popular overall, or among people
like you).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from crossplay.core.types import Lang
from crossplay.recommend.dataset import Catalog
from crossplay.recommend.models.base import Recommender
from crossplay.recommend.text import has_cjk, tag_label

_VERBS: dict[str, dict[Lang, str]] = {
    "knowledge": {"en": "studied", "zh-CN": "学习了"},
    "game": {"en": "played", "zh-CN": "玩了"},
    "stream": {"en": "watched", "zh-CN": "看了"},
}
_HISTORY_CAP = 30
#: shared tags named in one reason
SHARED_CAP = 3


@dataclass(frozen=True)
class Reason:
    """The structured reason behind one recommendation."""

    kind: str  # "history", "popular", "segment"
    because: list[int]  # catalog indexes of the history items behind it
    shared: list[str]  # category / tags of the item that every ``because`` item has too

    def as_dict(self, catalog: Catalog, lang: Lang = "en") -> dict[str, Any]:
        f = catalog.frame
        return {"kind": self.kind, "shared": self.shared,
                "shared_text": shown_tags(self, catalog, lang),
                "because": [{"item_id": str(f.at[i, "item_id"]),
                             "platform": str(f.at[i, "platform"]),
                             "title": str(f.at[i, "title"])} for i in self.because]}


def display_title(title: str, lang: Lang) -> str:
    """``"中文 / English"`` titles: the part in the reader's language."""
    parts = [p.strip() for p in title.split(" / ") if p.strip()]
    if not parts:
        return title
    if lang == "en":
        latin = [p for p in parts if p.isascii()]
        return latin[0] if latin else parts[-1]
    zh = [p for p in parts if not p.isascii()]
    return zh[0] if zh else parts[0]


def _quoted(title: str, lang: Lang) -> str:
    t = display_title(title, lang)
    if lang == "zh-CN" and "《" not in t:
        return f"《{t}》"
    return t


def item_labels(catalog: Catalog, item: int) -> list[str]:
    """An item's category, then its tags, as stored (blank ones and repeats dropped,
    compared case-insensitively)."""
    f = catalog.frame
    tags = cast(list[object], f["tags"].iat[item])  # a list per item (``Catalog``)
    seen: set[str] = set()
    out: list[str] = []
    for label in [str(f.at[item, "category"]), *(str(t) for t in tags)]:
        label = label.strip()
        if label and label.casefold() not in seen:
            seen.add(label.casefold())
            out.append(label)
    return out


def shared_labels(catalog: Catalog, item: int, because: list[int]) -> list[str]:
    """The recommended item's category and tags that every item of ``because`` has too."""
    if not because:
        return []
    held = [{t.casefold() for t in item_labels(catalog, b)} for b in because]
    return [t for t in item_labels(catalog, item) if all(t.casefold() in h for h in held)]


def shown_tags(reason: Reason, catalog: Catalog, lang: Lang) -> list[str]:
    """The shared tags as the reader sees them: in ``lang``, each once, at most
    :data:`SHARED_CAP`. English keeps a Chinese tag without an English form only when a
    cited item's title has no English either."""
    f = catalog.frame
    chinese_only = any(has_cjk(display_title(str(f.at[i, "title"]), "en"))
                       for i in reason.because)
    out: list[str] = []
    for tag in reason.shared:
        label = tag_label(tag, lang)
        if label is None and chinese_only:
            label = tag.strip()
        if label and label.casefold() not in {o.casefold() for o in out}:
            out.append(label)
    return out[:SHARED_CAP]


def explain_items(model: Recommender, history: sp.csr_matrix, items: npt.NDArray[np.int64],
                  catalog: Catalog | None = None, top: int = 1) -> list[Reason]:
    """Reasons for recommending ``items`` to a user whose history row is ``history``
    (with ``catalog``, the category and tags each item shares with its cited items)."""
    row = sp.csr_matrix(history)
    idx, conf = row.indices, row.data
    if idx.size > _HISTORY_CAP:
        keep = np.argsort(-conf)[:_HISTORY_CAP]
        idx, conf = idx[keep], conf[keep]
    reasons = []
    single = sp.csr_matrix((conf, (np.arange(idx.size), idx)), shape=(idx.size,
                                                                      row.shape[1]))
    per = model.scores(None, single) if idx.size else np.zeros((0, row.shape[1]))
    for j in items:
        if j < 0:
            continue
        because: list[int] = []
        if idx.size:
            col = np.asarray(per[:, j], np.float64)
            col = np.where(np.isfinite(col), col, -np.inf)
            order = [k for k in np.argsort(-col)[:top] if np.isfinite(col[k])]
            because = [int(idx[k]) for k in order]
        shared = shared_labels(catalog, int(j), because) if catalog is not None else []
        reasons.append(Reason("history" if because else "popular", because, shared))
    return reasons


def reason_text(reason: Reason, catalog: Catalog, lang: Lang,
                popular_count: int | None = None, segment: str | None = None) -> str:
    """One sentence in ``lang``."""
    f = catalog.frame
    if reason.kind == "segment" and segment:
        return (f"和你一样喜欢「{segment}」的人都在看" if lang == "zh-CN"
                else f"popular with people who, like you, favour {segment}")
    if reason.kind != "history" or not reason.because:
        if lang == "zh-CN":
            return "热门推荐" + (f"（{popular_count} 人参与）" if popular_count else "")
        return "popular right now" + (f" ({popular_count} people)" if popular_count else "")
    parts = []
    for i in reason.because:
        verb = _VERBS.get(str(f.at[i, "platform"]), _VERBS["knowledge"])[lang]
        parts.append(f"{verb}{_quoted(str(f.at[i, 'title']), lang)}" if lang == "zh-CN"
                     else f"{verb} {_quoted(str(f.at[i, 'title']), lang)}")
    shared = shown_tags(reason, catalog, lang)
    if lang == "zh-CN":
        text = "因为你" + "、".join(parts)
        if shared:
            text += "（相同标签：" + "、".join(shared) + "）"
        return text
    text = "because you " + " and ".join(parts)
    if shared:
        text += " (shared: " + ", ".join(shared) + ")"
    return text
