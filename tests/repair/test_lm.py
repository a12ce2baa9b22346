"""The character language model (pipeline/repair/lm.py) and its trainer."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from pipeline.errors import ModelError
from pipeline.repair.lm import (
    ARRAY_BATCH,
    BOUNDARY,
    KEPT_ITEMS,
    NO_SYMBOL,
    CharLM,
    DocumentCache,
    WordModel,
    default_lm,
    default_word_model,
    fold_symbol,
)
from pipeline.training.lm import ambiguity_table, long_line_ends, train


@pytest.fixture(scope="module")
def lm() -> CharLM:
    return default_lm()


def test_prefers_chinese_over_mojibake(lm: CharLM) -> None:
    assert lm.score("你好") > lm.score("浣犲ソ") + 10
    assert lm.score("创业公司") > lm.score("鍒涗笟鍏徃") + 20


def test_context_decides(lm: CharLM) -> None:
    assert lm.score("着", "一家带", "清华") > lm.score("著", "一家带", "清华")
    assert lm.score("著", "", "名学者") > lm.score("着", "", "名学者")


def test_letters_digits_and_spaces_fold(lm: CharLM) -> None:
    assert fold_symbol("Q") == fold_symbol("b") == "a"
    assert fold_symbol("7") == "0"
    assert fold_symbol(" ") == ""
    assert fold_symbol("Ａ") == "Ａ"  # full-width keeps its own symbol
    assert lm.score("GLM模型") == lm.score("ABC模型")
    assert lm.score("智谱 AI") == lm.score("智谱AI")


def test_batch_scores_equal_single_scores(lm: CharLM) -> None:
    texts = ["带着", "带著", "", "清华大学"]
    batch = lm.score_many(texts, "一家", "的")
    assert batch == pytest.approx([lm.score(t, "一家", "的") for t in texts])
    assert lm.score_items([("一家", "带着")]) == pytest.approx([lm.score("带着", "一家")])


@pytest.mark.parametrize(("left", "right"), [("", ""), ("一家", "的"), ("报道\n称", "。\n后"), ("x", " a\tb")])
def test_batched_symbols_score_exactly_as_one_sequence_per_middle(lm: CharLM, left: str, right: str) -> None:
    # The array-built batch must give the very same floats as the plain per-middle path.
    middles = ["带着", "", "清华 大学", "\t", "A股\r\n涨", "\U0001f600未知", "\ud800", "锟斤拷", "着" * 40]
    history = lm._history(left)
    right_ids = lm._right(right)
    plain = lm._score_seqs([history + lm.ids(m) + right_ids for m in middles * 2])
    assert len(middles) * 2 >= ARRAY_BATCH  # the array-built path
    assert lm.score_many(middles * 2, left, right) == plain
    flat, lengths = lm._ids_batch(middles)
    assert flat.tolist() == [i for m in middles for i in lm.ids(m)]
    assert lengths.tolist() == [len(lm.ids(m)) for m in middles]


def test_model_is_compact_and_knows_where_it_came_from(lm: CharLM) -> None:
    info = lm.info()
    assert info.tokens > 1_000_000
    assert any("duee_fin" in s for s in info.sources)
    assert "著" in lm.ambiguity and "着" in lm.ambiguity["著"]
    assert "乾" in lm.ambiguity and set(lm.ambiguity["乾"]) >= {"干", "乾"}


def test_missing_model_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError) as err:
        CharLM.load(tmp_path / "nope.npz")
    assert "E301" in str(err.value) and "make train-lm" in str(err.value)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="E302"):
        CharLM.load(bad)


def test_trainer_builds_a_working_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    lines = ["我们在北京工作。", "他们在上海工作。", "我们在上海生活。"] * 5
    arrays = train(lines)
    stats = arrays.pop("_stats")
    assert isinstance(stats, dict) and stats["tokens"] > 0
    arrays["ambiguity"] = np.asarray(json.dumps({}))
    meta = {"format": 2, "scale": 0.08, "sources": [], **stats}
    arrays["meta"] = np.asarray(json.dumps(meta))
    path = tmp_path / "tiny.npz"
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]
    tiny = CharLM.load(path)
    assert tiny.score("我们在北京") > tiny.score("京北在们我")


def test_long_line_ends_say_how_long_lines_end_against_all_lines() -> None:
    short = ["他们在上海工作，"] * 150 + ["我们在北京工作。"] * 150
    long = ["我们在北京工作。" * 8] * 300
    table = long_line_ends(short + long)
    assert table["，"] < -4.0  # no long line ends with ，
    assert table["。"] == pytest.approx(np.log((300.5 / 300) / (450.5 / 600)), abs=1e-3)
    assert "作" not in table  # punctuation only


def test_ambiguity_table_from_opencc() -> None:
    from collections import Counter

    table = ambiguity_table(Counter({"着": 10, "著": 5, "干": 10, "乾": 1}))
    assert set(table["著"]) == {"着", "著"}


def test_shared_windows_give_the_same_floats_as_every_target(lm: CharLM) -> None:
    # Many candidates around one context: the deduplicated lookup must equal the plain one bit for bit.
    rng = np.random.default_rng(7)
    symbols = rng.integers(-1, lm.size, size=(40, 12))
    seq = np.tile(symbols.ravel(), 30)
    seq[::97] = 1  # unknown symbols pay their penalty in both paths
    targets = np.arange(lm.order - 1, len(seq), dtype=np.int64)
    plain = lm._logprobs(seq, targets)
    shared = lm.logprobs(seq, targets)
    assert len(targets) >= 512
    assert np.array_equal(plain, shared)
    real = lm.score_many(["带着清华大学的学生" + c for c in "的了是在和"] * 200, "一家", "。")
    assert real[:5] == pytest.approx(real[5:10])


def test_single_characters_score_as_their_own_texts(lm: CharLM) -> None:
    chars = ["着", "著", " ", "\t", "A", "\U0001f600", "\ud800", "锟", "\n"]
    fast = lm.score_chars(chars, "一家带", "清华")
    assert fast.tolist() == lm.score_chars([*chars, "ab"], "一家带", "清华")[:-1].tolist()
    get = lm._index.get
    ids = [get(c, 1) for c in chars]
    assert lm._dense_get[[min(ord(c), len(lm._dense_get) - 1) for c in chars]].tolist() == ids


def _array_totals(lm: CharLM, seqs: list[list[int]]) -> list[float]:
    """Totals of each sequence's scored symbols, computed in one array pass (a batch ``cumsum``)."""
    need = lm.order - 1
    flat: list[int] = []
    targets: list[int] = []
    for s in seqs:
        targets.extend(range(len(flat) + need, len(flat) + len(s)))
        flat.extend(s)
    counts = np.asarray([len(s) - need for s in seqs], dtype=np.int64)
    return lm._score_flat(np.asarray(flat, dtype=np.int64), np.asarray(targets, dtype=np.int64), counts, None)


def test_items_score_exactly_as_one_sequence_per_item(lm: CharLM) -> None:
    items = [("一家", "带着"), ("", ""), ("\n报道", "清华 大学"), ("一家", "带著"), ("x", "\t"), ("一家", "带着")] * 3
    assert len(items) >= ARRAY_BATCH  # the array-built path
    plain = _array_totals(lm, [lm._history(h) + lm.ids(t) for h, t in items])
    assert lm.score_items(items) == plain
    assert lm.score_items([]) == []


def test_kept_windows_and_items_give_the_batch_floats() -> None:
    # Small batches are summed from kept log probabilities, one addition at a time:
    # every total must be the very float the batch's cumsum gives, cold and warm.
    fresh = CharLM.load()
    rng = np.random.default_rng(3)
    text = "董事会认为风险可控。\n苏宁易购 2019年营收增长12%，abc 锟斤拷 鎶曡祫 çš„ 哈"
    for n_items in (1, 5, ARRAY_BATCH, 40, KEPT_ITEMS, KEPT_ITEMS + 1):
        starts = rng.integers(0, len(text), size=(n_items, 4))
        items = [(text[a : a + b % 9], text[c : c + d % 4]) for a, b, c, d in starts.tolist()]
        plain = _array_totals(fresh, [fresh._history(h) + fresh.ids(t) for h, t in items])
        assert fresh.score_items(items) == plain  # cold
        assert fresh.score_items(items) == plain  # from what was kept
        left, right = text[: n_items % 7], text[n_items % 5 : n_items % 5 + 3]
        middles = [t for _, t in items[: ARRAY_BATCH - 1]]
        seqs = [fresh._history(left) + fresh.ids(m) + fresh._right(right) for m in middles]
        assert fresh.score_many(middles, left, right) == _array_totals(fresh, seqs)


def test_word_model_rewards_known_words_only() -> None:
    from pipeline.repair.lm import default_word_model

    words = default_word_model()
    assert words.score("混改标杆") > words.score("混改标来") + 3
    assert words.score("跟不上皮皮虾") > words.score("跟不上皮皮号")
    # Single characters count nothing, however frequent: that is the character model's part.
    assert words.score("人") == words.score("亿") == 0.0
    assert words.score("身家65亿") == words.score("身家65人")


def test_a_line_start_backs_off_once(lm: CharLM) -> None:
    # The trainer pads each line with order - 1 boundaries, so a history of one to
    # four of them says the same thing. A character never seen at a line start pays
    # the back-off weight of a line start once, not once per padding symbol.
    for ch in "兑矶呗":
        at_start = float(lm.per_symbol(ch, "\n")[0])
        unknown_history = float(lm.per_symbol(ch, "")[0])
        assert at_start > unknown_history - 5.0
    # Characters that do start lines keep a line start's preferences.
    assert float(lm.per_symbol("截", "\n")[0]) > float(lm.per_symbol("截", "的")[0])


def test_kept_histories_are_the_histories(lm: CharLM) -> None:
    contexts = ["", "\n", "公司称，", "董事会认为风险可控。\n苏宁", "abc 12", "a\nb"]
    first = [list(lm._history(c)) for c in contexts]
    again = [lm._history(c) for c in contexts]  # now from the cache
    fresh = CharLM.load()  # an empty cache
    assert first == again == [fresh._history(c) for c in contexts]


def _packaged_arrays() -> dict[str, np.ndarray]:
    from importlib import resources

    with np.load(str(resources.files("pipeline.repair") / "charlm.npz"), allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


@pytest.mark.parametrize("n_targets", [1, 7, 127, 128, 3000])
def test_window_tables_give_the_chain_floats(lm: CharLM, n_targets: int) -> None:
    # One lookup of every gram of a window must give, bit for bit, what the per-level
    # chain of lookups gives: unknown history (NO_SYMBOL) anywhere, unknown symbols,
    # line starts, real text, small batches and big ones (distinct keys searched once).
    chain = CharLM(_packaged_arrays(), window_tables=False)
    assert lm._windowed and not chain._windowed
    rng = np.random.default_rng(n_targets)
    common = np.argsort(-lm.unigram_counts)[:60]  # frequent symbols: their grams are stored
    seq = np.where(
        rng.random(n_targets + 8) < 0.7, rng.choice(common, n_targets + 8), rng.integers(0, lm.size, n_targets + 8)
    )
    seq[rng.random(len(seq)) < 0.05] = -1  # NO_SYMBOL
    seq[rng.random(len(seq)) < 0.05] = 1  # UNKNOWN
    seq[rng.random(len(seq)) < 0.05] = 0  # BOUNDARY
    text = lm._history("\n") + lm.ids("董事会认为风险可控。\n苏宁易购2019年营收增长12%，同比上升")
    seq = np.concatenate((seq, np.asarray(text, dtype=np.int64)))
    targets = np.arange(lm.order - 1, len(seq), dtype=np.int64)[: n_targets + len(text)]
    windowed = lm._logprobs(seq, targets)
    chained = chain._logprobs(seq, targets)
    assert np.array_equal(windowed, chained)
    assert np.array_equal(np.signbit(windowed), np.signbit(chained))
    assert np.array_equal(lm.logprobs(seq, targets), chain.logprobs(seq, targets))


def test_window_tables_of_a_trained_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    lines = ["我们在北京工作。", "他们在上海工作。", "我们在上海生活。"] * 5
    arrays = train(lines)
    stats = arrays.pop("_stats")
    arrays["ambiguity"] = np.asarray(json.dumps({}))
    arrays["meta"] = np.asarray(json.dumps({"format": 2, "scale": 0.08, "sources": [], **stats}))
    windowed, chained = CharLM(arrays), CharLM(arrays, window_tables=False)
    assert windowed.info() == chained.info()
    for text in ["我们在北京", "京北在们我", "他们在上海生活。\n我们", "未知的字"]:
        for left in ["", "\n", "他们"]:
            assert windowed.score(text, left, "。") == chained.score(text, left, "。")


def test_history_reads_the_last_symbols_up_to_a_line_start(lm: CharLM) -> None:
    need = lm.order - 1
    contexts = [
        "",
        "\n",
        "a",
        " \t",
        "公司 称 ，",
        "董事会认为风险可控。\n苏宁",
        "认为\n",
        "x\n y z",
        "锟斤拷" * 3,
        "一 二 三 四 五 六 七 八 九",
    ]
    for left in contexts:
        key = left[-4 * need :]
        tail = lm.ids(key)[-need:]
        if BOUNDARY in tail:
            tail = tail[len(tail) - 1 - tail[::-1].index(BOUNDARY) :]
        assert CharLM.load()._history(left) == [NO_SYMBOL] * (need - len(tail)) + tail


def test_word_model_score_middles_of_guesses_are_each_the_score_alone() -> None:
    # A small model: the guess 虾 makes the word 皮皮虾, 下 makes 下跌 with the tail;
    # the others make no word and share one score, the same float scored alone.
    small = WordModel({"皮皮虾": 50, "下跌": 80, "标杆": 30, "皮皮": 5, "跌": 9, "虾": 7}, 1000)
    middles = ["虾", "下", "瞎", "夏", "侠"]
    scores = small.score_middles("看皮皮", middles, "跌标杆")
    assert scores == [small.score("看皮皮" + m + "跌标杆") for m in middles]
    assert len(set(scores)) == 3  # 皮皮虾, 下跌, and the three that make no word


def test_word_model_score_middles_match_the_model_on_random_pieces() -> None:
    words = default_word_model()
    rng = random.Random(8)
    alphabet = "皮虾下跌标杆的是在中国市场价格上涨公司股票投资银行一二三，。？（）ab1"
    for _ in range(400):
        head = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))
        tail = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))
        width = rng.randint(1, 3)
        middles = ["".join(rng.choice(alphabet) for _ in range(width)) for _ in range(rng.randint(1, 30))]
        assert words.score_middles(head, middles, tail) == [words.score(head + m + tail) for m in middles]


def test_history_rows_are_the_histories_of_each_context(lm: CharLM) -> None:
    # The array-built histories of a Viterbi batch must be :meth:`_history`'s, row by row:
    # spaces skipped, a line break starting the history, short contexts padded.
    rng = random.Random(5)
    alphabet = [*"的一是在不了有人这中大为上，。abc12 \t\n\r锟斤拷ЖΣ", "\U00020000", "\ud800"]
    for _ in range(200):
        lefts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(rng.randint(1, 40))]
        rows = lm._history_rows(lefts)
        assert rows.tolist() == [lm._history(left) for left in lefts]


def test_window_memo_gives_the_table_floats_through_collisions(monkeypatch: pytest.MonkeyPatch) -> None:
    # A memo of four slots: windows keep evicting each other, and every value must
    # still be the very float the tables give (a stale slot must never answer).
    import pipeline.repair.lm as lm_module

    monkeypatch.setattr(lm_module, "MEMO_BITS", 2)
    tiny = CharLM.load()
    assert len(tiny._memo) == 4
    rng = np.random.default_rng(11)
    common = np.argsort(-tiny.unigram_counts)[:50]
    for n in (1, 3, 9, 200):
        windows = rng.choice(common, size=(n, tiny.order))
        windows[rng.random(windows.shape) < 0.1] = NO_SYMBOL
        windows[:, -1] = rng.choice(common, size=n)  # a target is always a symbol
        want = tiny._window_logprobs_of(windows)
        assert np.array_equal(tiny._memo_logprobs(windows), want)  # cold
        assert np.array_equal(tiny._memo_logprobs(windows), want)  # what the memo kept
        assert np.array_equal(tiny._memo_logprobs(windows[::-1]), want[::-1])
    text = "董事会认为风险可控。\n苏宁易购2019年营收增长12%，同比上升"
    assert tiny.score_many([text, text[:9]], "公司", "。") == CharLM.load().score_many([text, text[:9]], "公司", "。")


def test_long_texts_of_small_batches_give_the_chain_floats() -> None:
    # Past ARRAY_WINDOWS windows a small batch is read in array calls (through the
    # window memo), not window by window: the totals must be the very same floats.
    from pipeline.repair.lm import ARRAY_WINDOWS

    fresh, chain = CharLM.load(), CharLM(_packaged_arrays(), window_tables=False)
    line = "董事会认为风险可控。苏宁易购2019年营收增长12%，同比上升，abc 锟斤拷 鎶曡祫 çš„ 哈"
    long_text = line * 3 + "\n" + line
    assert len(long_text) > ARRAY_WINDOWS
    items = [("公司称，", long_text), ("\n", line), ("", long_text[5:90])]
    for _ in range(2):  # cold, then from the memo and the kept items
        assert fresh.score_items(items) == chain.score_items(items)
        assert fresh.score_many([long_text, line], "公司", "。") == chain.score_many([long_text, line], "公司", "。")


def test_window_memo_looks_repeated_new_windows_up_once() -> None:
    from pipeline.repair.lm import MEMO_DEDUPE_FROM

    fresh = CharLM.load()
    rng = np.random.default_rng(13)
    common = np.argsort(-fresh.unigram_counts)[:40]
    distinct = rng.choice(common, size=(MEMO_DEDUPE_FROM // 2, fresh.order))
    windows = distinct[rng.integers(0, len(distinct), size=3 * MEMO_DEDUPE_FROM)]
    looked_up: list[int] = []
    lookup = fresh._window_logprobs_of

    def counted(rows: np.ndarray) -> np.ndarray:
        looked_up.append(len(rows))
        return lookup(rows)

    fresh._window_logprobs_of = counted  # type: ignore[method-assign]
    values = fresh._memo_logprobs(windows)
    assert looked_up == [len(np.unique(windows, axis=0))]
    assert np.array_equal(values, lookup(windows))


def test_array_read_batches_score_every_sequence_past_its_history_only() -> None:
    # A batch read in array calls lays its sequences end to end: each one's first
    # order - 1 symbols are history only, however short the sequence (an empty text
    # after its history scores 0.0, and the next sequence's history is not scored).
    from pipeline.repair.lm import ARRAY_WINDOWS

    fresh = CharLM.load()
    need = fresh.order - 1
    text = "董事会认为风险可控。\n苏宁易购2019年营收增长12%，同比上升" * 3
    seqs = [fresh._history("公司") + fresh.ids(text), fresh._history("\n"), fresh._history("一家") + fresh.ids("带")]
    assert sum(len(s) - need for s in seqs) >= ARRAY_WINDOWS  # the array-read path
    totals = fresh._score_seqs_kept(seqs)
    assert totals[1] == 0.0
    assert totals == _array_totals(fresh, seqs)
    assert totals[2] == pytest.approx(fresh.score("带", "一家"))  # a difference of running totals


def test_document_cache_counts_each_line_between_boundaries(lm: CharLM) -> None:
    cache = DocumentCache(lm, "甲乙\n甲乙丙")
    jia, yi, bing = (lm.ids(ch)[0] for ch in "甲乙丙")
    assert cache._trigrams == {
        (BOUNDARY, BOUNDARY, jia): 2,
        (BOUNDARY, jia, yi): 2,
        (jia, yi, BOUNDARY): 1,
        (jia, yi, bing): 1,
        (yi, bing, BOUNDARY): 1,
    }
    assert cache._bigrams == {(BOUNDARY, jia): 2, (jia, yi): 2, (yi, BOUNDARY): 1, (yi, bing): 1, (bing, BOUNDARY): 1}
    assert cache._unigrams == {BOUNDARY: 2, jia: 2, yi: 2, bing: 1}
    assert cache.prob(jia, yi, bing) == 0.7 * 1 / 2 + 0.3 * 1 / 2
    cache.update(lm, "\n甲", "乙", "丙", -1)
    assert cache._trigrams[BOUNDARY, jia, yi] == 1 and cache._trigrams[jia, yi, bing] == 0


def test_indexed_batches_score_as_calls_of_their_own() -> None:
    # Several batches in one call (the Viterbi passes of a window's spans): each total
    # the very float score_items gives the batch alone, small (kept) or big (arrays).
    fresh = CharLM.load()
    rng = np.random.default_rng(5)
    text = "董事会认为风险可控。\n苏宁易购 2019年营收增长12%，abc 锟斤拷 鎶曡祫 çš„ 哈"
    histories = [text[a : a + b % 9] for a, b in rng.integers(0, len(text), size=(30, 2)).tolist()]
    texts = [text[a : a + b % 5] for a, b in rng.integers(0, len(text), size=(40, 2)).tolist()]
    sizes = [3, 0, KEPT_ITEMS + 7, 1, 20]
    which_history = rng.integers(0, len(histories), size=sum(sizes))
    which_text = rng.integers(0, len(texts), size=sum(sizes))
    starts = np.cumsum([0, *sizes[:-1]]).tolist()
    got = fresh.score_indexed(histories, texts, which_history, which_text, starts)
    want: list[float] = []
    for first, size in zip(starts, sizes, strict=True):
        items = [
            (histories[h], texts[t])
            for h, t in zip(which_history[first : first + size], which_text[first : first + size], strict=True)
        ]
        want.extend(CharLM.load().score_items(items))
    assert got == want
    assert fresh.score_indexed(histories, texts, which_history, which_text) == CharLM.load().score_items(
        [(histories[h], texts[t]) for h, t in zip(which_history, which_text, strict=True)]
    )
