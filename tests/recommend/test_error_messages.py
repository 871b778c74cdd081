"""Every recommendation error reads the same from the catalog, in English and Chinese.

The CLI prints a CrossplayError in zh-CN from its catalog entry ``err.<code>`` and the
error's params; the English entry must say exactly what the raised message says. Here the
errors are raised for real (models, splits, weights, bundles, the content mix and the
options of ``crossplay recommend``) and each one's entries are formatted with its params.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from crossplay.cli import i18n
from crossplay.core.errors import CrossplayError
from crossplay.core.settings import Settings
from crossplay.recommend.contentmix import choose_policy, fit_mix, paired
from crossplay.recommend.dataset import Catalog, InteractionLog, load_log, time_cutoff
from crossplay.recommend.error_messages import ERRORS
from crossplay.recommend.evaluate import EvalConfig, evaluate, evaluate_log, suite
from crossplay.recommend.mixdata import evaluate_mix
from crossplay.recommend.models import (
    ALS,
    BPR,
    EMCDR,
    ContentBased,
    Hybrid,
    ItemKNN,
    Popularity,
    SegmentPopularity,
    load_model,
)
from crossplay.recommend.models.base import ARTIFACT_VERSION
from crossplay.recommend.models.crossdomain import _domain_mask
from crossplay.recommend.service import TrainOptions, _in_model, export, recommend_for
from crossplay.recommend.split import cold_split, random_split, time_split
from crossplay.recommend.store import bundle_dir, latest_version, load_unit
from crossplay.recommend.truth import load_truth
from crossplay.recommend.weights import EventWeight, InteractionConfig
from tests.conftest import CliRunner
from tests.recommend.helpers import catalog, checkerboard

SRC = Path(__file__).resolve().parents[2] / "src" / "crossplay"


def _raise(action: Callable[[], object]) -> CrossplayError:
    with pytest.raises(CrossplayError) as info:
        action()
    return info.value


def _tiny_log(cutoff: dt.datetime | None = None) -> InteractionLog:
    """Two users on two knowledge items: nobody is active on a second domain."""
    pairs = pd.DataFrame({"user": [0, 1], "item": [0, 1], "train": [1.0, 1.0],
                          "test": [0.0, 0.0]})
    return InteractionLog(users=pd.DataFrame({"uid": ["a", "b"]}), items=catalog(2),
                          pairs=pairs, joint=False, domains=("knowledge",), cutoff=cutoff)


def _mix_frame() -> pd.DataFrame:
    return pd.DataFrame({"C_K": [1.0, 2.0, 3.0, 4.0], "T_K": [1.0, 0.0, 2.0, 1.0],
                         "T_G": [0.0, 1.0, 1.0, 3.0], "F": [1.0, 2.0, 2.0, 3.0]})


def _library_errors(tmp_path: Path, settings: Settings) -> list[CrossplayError]:
    X, cat = checkerboard(), catalog()
    fitted = Popularity().fit(X)
    saved = Popularity().fit(X).save(tmp_path / "m")
    meta = saved / "model.json"
    wrong_model = tmp_path / "w"
    Popularity().fit(X).save(wrong_model)
    (wrong_model / "model.json").write_text(
        (wrong_model / "model.json").read_text().replace('"popularity"', '"magic"'))
    meta.write_text(meta.read_text().replace(f'"artifact_version": {ARTIFACT_VERSION}',
                                             '"artifact_version": 99'))
    empty: list[list[str]] = [[] for _ in range(len(cat))]
    no_tags: pd.Series[list[str]] = pd.Series(empty, dtype=object)
    no_text = Catalog(cat.frame.assign(title="", category="", description="", tags=no_tags))
    planted = cat.frame.assign(platform=["knowledge"] * 20 + ["game"] * 20)
    games_only = sp.csr_matrix(X.multiply(np.asarray(planted["platform"] == "game")[None, :]))
    actions: list[Callable[[], object]] = [
        # models: input, fitting and parameters
        lambda: ALS().recommend(np.array([0]), X[:1]),
        lambda: ALS().fit(np.ones((3, 3))),
        lambda: Popularity().fit(sp.csr_matrix((0, 3), dtype=np.float32)),
        lambda: Popularity().fit(sp.csr_matrix(np.array([[1.0, -1.0]], np.float32))),
        lambda: fitted.recommend(None, sp.csr_matrix((1, 3), dtype=np.float32)),
        lambda: fitted.recommend(np.array([0, 1]), X[:1]),
        lambda: fitted.recommend(None, X[:1], N=0),
        lambda: fitted.similar_items(0),
        lambda: ItemKNN().fit(X).similar_items(99),
        lambda: ContentBased().fit(X),
        lambda: ContentBased().fit(X, catalog(3)),
        lambda: ContentBased().fit(X, no_text),
        lambda: ContentBased(weighting="bm3").fit(X, cat),  # type: ignore[arg-type]
        lambda: ALS(factors=0).fit(X),
        lambda: ALS(alpha=0).fit(X),
        lambda: ALS(factors=4, iterations=1).fit(X).recommend(np.array([0, 1]), X[:1]),
        lambda: BPR(factors=4, iterations=1).fit(X).recommend(np.array([0]), X[:1], N=0),
        lambda: Popularity(by="clicks").fit(X),  # type: ignore[arg-type]
        lambda: SegmentPopularity(segment_by="colour").fit(X, cat),  # type: ignore[arg-type]
        lambda: ItemKNN(neighbours=-1).fit(X),
        lambda: _domain_mask(cat.platform, ("music",)),  # type: ignore[arg-type]
        lambda: EMCDR(source=("game",), target=("game",)).fit(X, Catalog(planted)),
        lambda: EMCDR(source=("game",), target=("knowledge",)).fit(games_only,
                                                                   Catalog(planted)),
        lambda: Hybrid(cf="knn").fit(X, cat),  # type: ignore[arg-type]
        lambda: Hybrid(shrink=-1).fit(X, cat),
        lambda: cat.index_of("knowledge", "no-such-item"),
        # saved models and trained bundles
        lambda: load_model(saved),
        lambda: load_model(wrong_model),
        lambda: load_model(tmp_path / "nothing"),
        lambda: load_unit(tmp_path / "nothing"),
        lambda: latest_version(settings),
        lambda: bundle_dir(settings, "v0"),
        lambda: load_truth(tmp_path, settings),
        # weights, scopes and splits
        lambda: InteractionConfig(weights={"teleport": EventWeight(1.0)}).validate(),
        lambda: InteractionConfig(weights={"chat": EventWeight(1.0, 1.0, 0.0)}).validate(),
        lambda: InteractionConfig(confidence="square").validate(),  # type: ignore[arg-type]
        lambda: InteractionConfig(alpha=0).validate(),
        lambda: InteractionConfig(min_user_items=0).validate(),
        lambda: load_log(settings, ()),
        lambda: load_log(settings, ("music",)),  # type: ignore[arg-type]
        lambda: load_log(settings, ("knowledge", "game")),
        lambda: time_cutoff(settings, ("knowledge",), 1.5),
        lambda: time_split(_tiny_log()),
        lambda: random_split(_tiny_log(), test_fraction=0),
        lambda: cold_split(_tiny_log(), ("knowledge",), cold_fraction=2),
        lambda: cold_split(_tiny_log(), ("knowledge",)),
        # leaderboards
        lambda: suite(EvalConfig(models=("magic",)), ("knowledge",)),
        lambda: evaluate_log(EvalConfig(k=0), _tiny_log(), ("knowledge",)),
        lambda: evaluate_log(EvalConfig(split="sideways"),  # type: ignore[arg-type]
                             _tiny_log(), ("knowledge",)),
        lambda: evaluate_log(EvalConfig(split="random", models=("popularity",)),
                             _tiny_log(), ("knowledge",)),
        # the service's arguments
        lambda: _in_model(TrainOptions(model="magic")),  # type: ignore[arg-type]
        lambda: recommend_for(settings, partner="game", user_key="a" * 32,
                              domain="moon"),  # type: ignore[arg-type]
        lambda: export(settings, n=0),
        lambda: evaluate(settings, EvalConfig(task="sideways")),  # type: ignore[arg-type]
        # the content mix
        lambda: evaluate_mix(settings, n=1),
        lambda: fit_mix(_mix_frame().drop(columns=["F", "T_G"])),
        lambda: fit_mix(_mix_frame().iloc[:2]),
        lambda: fit_mix(_mix_frame().assign(T_K=-1.0)),
        lambda: paired(np.zeros(3), np.zeros(2)),
        lambda: choose_policy({"fitted": np.zeros(3), "raw": np.zeros(3),
                               "fixed_50_50": np.zeros(3)}, np.array(["all"])),
    ]
    return [_raise(a) for a in actions]


def _check(errors: list[CrossplayError]) -> None:
    for e in errors:
        entry = ERRORS.get(f"err.{e.code}") or i18n.MESSAGES[f"err.{e.code}"]
        assert entry["en"].format(**e.params) == e.message, e.code
        zh = entry["zh-CN"].format(**e.params)
        assert zh != e.message and re.search(r"[\u4e00-\u9fff]", zh), e.code


def test_raised_errors_read_the_same_from_the_catalog(tmp_path: Path,
                                                      settings: Settings) -> None:
    errors = _library_errors(tmp_path, settings)
    codes = [e.code for e in errors]
    assert len(set(codes)) >= 59, sorted(codes)
    assert {"recommend_not_fitted", "recommend_param_domains", "recommend_overlap",
            "recommend_no_model", "recommend_no_model_bundle", "recommend_split_cold_overlap",
            "recommend_model_task", "recommend_no_test_users", "mix_columns",
            "mix_data_segments"} <= set(codes)
    _check(errors)


def test_every_code_raised_has_an_entry_in_both_languages() -> None:
    codes: set[str] = set()
    sources = [*(SRC / "recommend").rglob("*.py"), SRC / "cli" / "commands_recommend.py"]
    for path in sources:
        codes |= set(re.findall(r'code="([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert len(codes) > 60
    for code in codes:
        assert set(ERRORS[f"err.{code}"]) == {"en", "zh-CN"}, code


@pytest.mark.parametrize(("args", "en", "zh"), [
    (("train", "--model", "magic"), "--model 'magic': use als, bpr, item_knn or content",
     "--model 'magic'：请使用 als、bpr、item_knn 或 content"),
    (("evaluate", "--task", "sideways"),
     "--task 'sideways': use in-domain, cross-domain or cold-start",
     "--task 'sideways'：请使用 in-domain、cross-domain 或 cold-start"),
    (("evaluate", "--split", "weekly"), "--split 'weekly': use time or random",
     "--split 'weekly'：请使用 time 或 random"),
    (("evaluate", "--target", "moon"), "--target 'moon': use knowledge, game or stream",
     "--target 'moon'：请使用 knowledge、game 或 stream"),
    (("for", "--partner", "game", "--user", "u", "--domain", "moon"),
     "--domain 'moon': use knowledge, game or stream",
     "--domain 'moon'：请使用 knowledge、game 或 stream"),
    (("for", "--partner", "game"),
     "give exactly one of --user (native id) or --key (user_key)",
     "--user（原始用户 ID）与 --key（user_key）须给出且只给出其中一个"),
    (("for", "--partner", "game", "--user", "u"),
     "no trained recommender: run `crossplay recommend train` first",
     "还没有训练好的推荐模型：请先运行 `crossplay recommend train`"),
])
def test_option_errors_in_both_languages(cli: CliRunner, args: tuple[str, ...], en: str,
                                         zh: str) -> None:
    english = cli("recommend", *args)
    assert english.code == 2 and en in english.err_flat, english.err
    i18n.clear_misses()
    chinese = cli("--lang", "zh-CN", "recommend", *args)
    assert chinese.code == 2 and zh in chinese.err_flat, chinese.err
    assert not i18n.misses()


def test_a_model_that_cannot_be_fitted_is_named_in_the_readers_language(
        capsys: pytest.CaptureFixture[str], settings: Settings) -> None:
    from crossplay.cli.commands_recommend import _failed, print_board
    from crossplay.cli.state import State

    exc = _raise(lambda: EMCDR(source=("game",), target=("game",)).fit(
        checkerboard(), Catalog(catalog().frame.assign(platform="game"))))
    failed = {"model": "emcdr", "error": exc.message, "error_code": exc.code,
              "error_params": exc.params}
    board = {"task": "cross-domain", "target": "game", "split": "time", "k": 10,
             "test_users": 3,
             "rows": [{"model": "popularity", "recall": 0.5, "ndcg": 0.25, "map": 0.125,
                       "coverage": 0.1, "novelty": 2.0, "fit_s": 0.01}, failed]}
    i18n.use_language("en")
    assert _failed(failed) == "source and target domains must differ"
    i18n.clear_misses()
    i18n.use_language("zh-CN")  # as the CLI does for the invocation
    try:
        assert _failed(failed) == "源领域与目标领域须不同"
        print_board(State(settings, i18n.Messages("zh-CN")), board)
    finally:
        i18n.use_language("en")
    out = capsys.readouterr().out
    assert "召回率@10" in out and "真值召回率" in out and "训练秒数" in out
    assert "源领域" in out and "must" not in out and not i18n.misses()
    print_board(State(settings, i18n.Messages("en")), board)
    assert "recall@10" in capsys.readouterr().out


def test_policy_reasons_in_chinese_and_an_unknown_one_recorded() -> None:
    from crossplay.cli.commands_recommend import policy_text
    from crossplay.recommend.service import UNKNOWN_USER

    zh = i18n.Messages("zh-CN")
    text = ("own users, personalisation not refused; cross-domain: no active link with "
            "linking consent on both sides")
    assert policy_text(zh, text) == ("本平台用户，未拒绝个性化；"
                                     "跨平台：没有双方均同意关联的有效账号绑定")
    assert policy_text(i18n.Messages("en"), text) == text
    assert policy_text(zh, f"{UNKNOWN_USER}; no behaviour in the trained model") == (
        "未知用户：该 ID 没有任何行为记录或账号关联；训练模型中没有该用户的行为")
    i18n.clear_misses()
    try:
        assert policy_text(zh, "the moon is full") == "the moon is full"
        assert [(m.kind, m.key) for m in i18n.misses()] == [
            ("message", "rec.policy: the moon is full")]
    finally:
        i18n.clear_misses()
