"""Mojibake repair by codec round trips (pipeline/repair/mojibake.py)."""

from __future__ import annotations

import itertools
import random

import pytest

from pipeline import normalize
from pipeline.corrupt import damage
from pipeline.offsets import TextState
from pipeline.repair.codecs import CP1252_UNDEFINED, Unit, step_unit, unit_bytes
from pipeline.repair.line_ends import article_chance, default_line_end_model
from pipeline.repair.lm import DocumentCache, default_lm
from pipeline.repair.mojibake import (
    _HANZI_OR_LOST,
    QUESTION_BONUS,
    Detector,
    Region,
    Repairer,
    _fails_alone,
    _fails_before_any,
    _lost_singles,
    _split_decided,
    _stray_mark,
    _twin_guesses,
    find_spans,
    make_blocks,
    parse_chars,
)


@pytest.fixture(scope="module")
def repairer() -> Repairer:
    return Repairer(default_lm())


def _repair(repairer: Repairer, text: str) -> str:
    state = TextState(text)
    state.apply(repairer.edits(text))
    return state.text


CLAUSE = "今年夏收苏皖地区小麦托市收购量同比大增"


@pytest.mark.parametrize(
    "kind", ["utf8_as_gbk", "gbk_as_latin1", "utf8_as_cp1252", "double_utf8", "gbk_as_big5", "utf8_as_gbk_qmark"]
)
def test_a_damaged_clause_inside_clean_text_is_restored(repairer: Repairer, kind: str) -> None:
    damaged = damage(CLAUSE, kind, random.Random(0))  # type: ignore[arg-type]
    text = f"据统计，{damaged}，麦价运行空间明显缩窄。"
    assert _repair(repairer, text) == f"据统计，{CLAUSE}，麦价运行空间明显缩窄。"


def test_big5_read_as_gbk_comes_back_traditional(repairer: Repairer) -> None:
    damaged = damage(CLAUSE, "big5_as_gbk", random.Random(0))
    assert _repair(repairer, f"据统计，{damaged}。") == "据统计，今年夏收蘇皖地區小麥托市收購量同比大增。"


def test_each_repair_names_its_mechanism(repairer: Repairer) -> None:
    edits = repairer.edits("他说浣犲ソ，然后走了。")
    assert [(e.kind, e.source, e.replacement) for e in edits] == [("mojibake", "model:charlm/utf8_as_gbk", "你好")]
    assert 0.0 < edits[0].confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Müller说，今天25°C，P&G的股价上涨。",
        "腾讯Москва就开始动手",
        "院后靠城東京タワー根简陋的礼堂",
        "公司�年营收增长，锟斤拷达到新高",
        "naïve café in Zürich, Ångström",
        "α粒子和β系数，±0.5%，①②③",
        "他来了吗?是的，a?b",
    ],
)
def test_clean_text_is_left_alone(repairer: Repairer, text: str) -> None:
    assert repairer.edits(text) == []


def test_detector_needs_two_odd_characters_or_a_telltale() -> None:
    detector = Detector(default_lm())
    assert detector.windows("庄乾恺说") == []
    assert detector.windows("他说浣犲ソ") != []
    assert detector.windows("公司鈥滄") != []


def test_blocks_pair_up_observed_and_original_characters() -> None:
    data = "你好".encode()
    observed_lengths = [2, 2, 2]  # 浣 犲 ソ read as GBK
    blocks = make_blocks(observed_lengths, parse_chars(data, "utf-8"), 0)
    assert [(b.obs_start, b.obs_end, b.original) for b in blocks] == [(0, 3, "你好")]


def test_a_rare_hanzi_in_clean_lines_of_a_damaged_text_is_kept(repairer: Repairer) -> None:
    # 冶 and 叶 are GBK D2 B1 and D2 B6, which are also the UTF-8 of ұ and Ҷ: once the
    # long paragraph shows that the text was misread, the clean lines are read again
    # with less evidence, and that reading must not turn a hanzi into a Cyrillic letter.
    clean = "中国二十二冶中标山东泰安市中心医院扩建项目，董事会秘书叶潇先生辞职。"
    paragraph = (
        "该项目位于山东省泰安市，为一类高层建筑。项目总建筑面积四万八千平方米，地下一层，地上十五层。"
        "其中地上主楼和裙楼建筑面积三万六千平方米，地下车库和设备用房建筑面积一万二千平方米。"
        "承建内容为施工图纸设计范围内除发包人独立分包工程外的全部建筑及安装工程，工期总日历天数五百四十天。"
    )
    text = f"{clean}\n{damage(paragraph, 'utf8_as_gbk', random.Random(0))}"
    assert _repair(repairer, text) == f"{clean}\n{paragraph}"


@pytest.mark.parametrize(
    "line", ["但3家银行随后宣布下调存款利率，市场反应平淡", "但5月以来行业景气度明显回升，订单持续增加"]
)
def test_a_lost_byte_at_a_line_start_is_guessed_as_a_line_start(repairer: Repairer, line: str) -> None:
    # 但 is E4 BD 86: before the digit its last byte is lost, and 64 characters share
    # E4 BD. Scored without the line break before it, 你 or 使 read as well as 但.
    text = "董事会认为风险可控。\n" + damage(line, "utf8_as_gbk", random.Random(0))
    assert _repair(repairer, text) == f"董事会认为风险可控。\n{line}"


@pytest.mark.parametrize(
    ("kind", "before", "clause", "after"),
    [
        # Two adjacent pairs Big5 rejects (权人 = C8 A8 C8 CB): two holes, each a whole pair.
        ("gbk_as_big5", "公司称，", "而嘉宝因疫情无法按时与其债权人协商处理债务结算", "。"),
        # A lost last byte before a line break closes the bracket the line opened.
        ("utf8_as_gbk", "", "【苏宁易购业绩预告：预计全年净利超95亿元】\n苏宁易购晚间发布业绩预告", "。"),
        ("utf8_as_gbk", "据报道，", "移动通信【Do说】\n原标题：Uber宣布继续裁员", "。"),
        # A guess that makes a dictionary word with its neighbours (标杆, 工业) wins.
        ("utf8_as_gbk", "", "力国寿打造混改标杆", ""),
        ("utf8_as_gbk", "", "外界视为德国“工业4.0”代表企业", "。"),
        # A private-use glyph (〇 in some fonts) read back whole is kept.
        ("utf8_as_gbk", "公告如下：\n", "特此公告。\n董事会\n二\ue3ac二\ue3ac年八月三十一日", ""),
    ],
)
def test_lost_bytes_are_guessed_by_mechanism_words_and_brackets(
    repairer: Repairer, kind: str, before: str, clause: str, after: str
) -> None:
    damaged = damage(clause, kind, random.Random(0))  # type: ignore[arg-type]
    assert _repair(repairer, before + damaged + after) == before + clause + after


@pytest.mark.parametrize(
    "line",
    [
        # ？ is EF BC 9F: before the line break its last byte is lost, and ， (EF BC 8C)
        # reads as well four characters after 为什么, further back than the LM sees.
        "监管层为什么迟迟不出手？\n业内人士表示需要时间。",
    ],
)
def test_a_lost_question_mark_ends_a_sentence_with_a_question_word(repairer: Repairer, line: str) -> None:
    damaged = damage(line, "utf8_as_gbk", random.Random(0))
    assert "？" not in damaged
    assert _repair(repairer, damaged) == line


def test_a_question_word_out_of_the_models_sight_raises_only_the_question_mark(repairer: Repairer) -> None:
    # The two texts differ only further back than the LM and the word model look: the
    # question word is the whole difference, and it counts for ？ alone.
    options = ("，", "？", "！")
    cache = DocumentCache(default_lm(), "")
    plain = repairer._choice_scores("这一次监管层迟迟不出手，\n", 11, options, list(options), cache)
    asked = repairer._choice_scores("为什么监管层迟迟不出手，\n", 11, options, list(options), cache)
    assert asked[0] == plain[0] and asked[2] == plain[2]
    assert asked[1] == pytest.approx(plain[1] + QUESTION_BONUS)
    # Another sentence's question word does not count.
    closed = repairer._choice_scores("为什么？监管层迟迟不出手，\n", 12, options, list(options), cache)
    assert closed[1] == pytest.approx(plain[1])


def test_a_guess_that_ends_a_long_line_is_weighed_by_how_long_lines_end(repairer: Repairer) -> None:
    # The LM learned line ends from short lines too (the sentence sets cut texts after a
    # comma): at the end of a long line ， loses what the training text says it should.
    lm = default_lm()
    assert lm.long_line_ends["，"] < -3.0 < lm.long_line_ends["！"]
    options = ("，", "！", "。")
    cache = DocumentCache(lm, "")
    tail = "更好地回报全体股东，感谢您的关注"
    short = "公司表示，" + tail
    long = "公司表示，本次交易完成后将进一步优化资产结构，提升持续盈利能力，并将继续加大研发投入，" + tail
    assert len(short) < lm.long_line < len(long)
    plain = repairer._choice_scores(short + "，\n特此公告。", len(short), options, list(options), cache)
    weighed = repairer._choice_scores(long + "，\n特此公告。", len(long), options, list(options), cache)
    for o, a, b in zip(options, plain, weighed, strict=True):
        assert b == pytest.approx(a + lm.long_line_ends[o])
    assert plain[0] > plain[1] and weighed[0] < weighed[1]  # ， above ！ after a short line, below after a long one


ARTICLE_WITH_A_LIST = (
    "某某科技被裁决支付2.5亿元 来源：新浪财经\n"
    "【我要投票】\n"
    "某某科技于11月21日收到仲裁委员会送达的《裁决书》，公司发布进展公告称：\n"
    "1.公司向某某投资支付转让价款2.5亿元；\n"
    "2.公司向某某投资支付自2019年1月起的违约金316.8万元；\n"
    "3.公司向某某投资支付律师费用共计95.2万元；\n"
    "4.张某对上述款项承担连带保证责任；\n"
    "5.本案仲裁费用全部由公司承担。\n"
    "公司表示将积极筹措资金，维护股东利益。"
)
LONE_SENTENCES = (
    "据报道，该公司去年的营收增长了三成，\n"
    "市场人士认为这一趋势还会延续，\n"
    "他表示目前还没有收到任何通知，\n"
    "记者随后联系了该公司的相关负责人，\n"
    "双方正在进一步协商之中。"
)


def test_a_lost_mark_before_a_list_item_of_an_article_is_no_comma(repairer: Repairer) -> None:
    # ； before a line break loses its last byte (EF BC 9B), and the LM, which learnt line
    # ends mostly from lone sentences cut after a comma, read ， (EF BC 8C) there. The
    # document's intact line ends (】, 网-like titles, 。) make it an article, whose lines
    # before list items end with ； or 。, hardly ever with ，.
    damaged = damage(ARTICLE_WITH_A_LIST, "utf8_as_gbk", random.Random(0))
    assert damaged.count("\uff1b") < ARTICLE_WITH_A_LIST.count("\uff1b") - 2  # ； lost before most items
    assert _repair(repairer, damaged) == ARTICLE_WITH_A_LIST


def test_lone_sentences_that_end_lines_with_commas_keep_them(repairer: Repairer) -> None:
    # The same mark lost in a text whose intact lines end with ，: sentences, not an article.
    damaged = damage(LONE_SENTENCES, "utf8_as_gbk", random.Random(0))
    assert damaged.count("\ufffd\n") == 2  # two of the four line-end commas lose a byte, two are intact
    assert _repair(repairer, damaged) == LONE_SENTENCES


def test_the_chance_of_an_article_comes_from_the_line_ends_that_are_no_guess(repairer: Repairer) -> None:
    def region(at: int, options: tuple[str, ...]) -> Region:
        return Region(at, at + 1, options[0], "utf8_as_gbk", 20.0, 1, (), ((at, at + 1, options),))

    model = default_line_end_model()
    text = "他说，龘\n【我要投票】\n2.他说，龘"
    lines = text.split("\n")
    assert repairer._article_chance(text, [region(2, ("，", "；"))], {2: 2}) is None  # no guess ends a line
    # The intact line ends (the guessed 龘 is none of them) and every line's start are the evidence.
    chance = repairer._article_chance(text, [region(3, ("龘", "龖"))], {3: 3})
    assert chance == pytest.approx(article_chance(model.article_log_odds(lines, ["】", "龘"])))
    assert chance > 0.5  # 】 ends articles' lines, and 2. starts a list item
    chance = repairer._article_chance(text, [region(10, ("】", "＞"))], {10: 10})
    assert chance == pytest.approx(article_chance(model.article_log_odds(lines, ["龘", "龘"])))


def test_a_short_line_of_utf8_read_as_gbk_with_question_marks_is_found(repairer: Repairer) -> None:
    # 骞? is 年 (E5 B9 B4) with its last byte lost before ASCII and saved as "?": no
    # U+FFFD and only one odd character per date part, but each sits before a "?".
    damaged = damage("2020年6月4日", "utf8_as_gbk_qmark", random.Random(0))
    assert "?" in damaged
    text = f"特此公告。\n北京某某科技股份有限公司董事会\n{damaged}\n"
    assert _repair(repairer, text) == "特此公告。\n北京某某科技股份有限公司董事会\n2020年6月4日\n"


@pytest.mark.parametrize(
    ("before", "clause", "after"),
    [
        ("他认为，", "这种做法损害了行业的美", "，也让消费者失望。"),
        ("评论指出，", "修复工程保留了建筑原有的美", "，赢得一致好评。"),
        ("公司称，业绩承诺已经完成。\n", "兑现承诺的时间表已经公布", "。"),
    ],
)
def test_the_ends_of_a_damaged_run_are_weighed_with_their_real_history(
    repairer: Repairer, before: str, clause: str, after: str
) -> None:
    # 美 is GBK C3 C0, which Big5 reads as 藝; 兑 (B6 D2) as 募. Both are common
    # characters, so only the LM says the run goes on; the Viterbi scored them after
    # the mojibake before them and kept them.
    damaged = damage(clause, "gbk_as_big5", random.Random(0))
    assert _repair(repairer, before + damaged + after) == before + clause + after


def test_an_odd_character_just_past_a_window_is_the_same_damage(repairer: Repairer) -> None:
    # 元 in Big5 (A4 B8) read as GBK is じ: alone it opens no window, and the last
    # telltale of the clause is more than a window's width before it.
    clause = "招商局港口控股有限公司(00144.HK)报12.3港元"
    damaged = damage(clause, "big5_as_gbk", random.Random(0))
    assert damaged.endswith("じ")
    assert _repair(repairer, f"截至收盘，{damaged}，成交额1.2亿港元。") == (
        "截至收盘，招商局港口控股有限公司(00144.HK)報12.3港元，成交额1.2亿港元。"
    )


def test_a_text_that_shows_the_euro_reading_never_lost_a_byte_0x80(repairer: Repairer) -> None:
    # 一 is E4 B8 80: the WHATWG (and Windows) GBK decoder reads 0x80 as €, so in a
    # text that shows 涓€ the lost byte of 涓 before a digit is not 0x80, whatever
    # the LM thinks of 一 there. Python's own gbk codec has no euro sign and loses it.
    from pipeline.repair.codecs import unit_bytes
    from pipeline.repair.mojibake import MECHANISMS

    mech = next(m for m in MECHANISMS if m.name == "utf8_as_gbk")
    window = "涓\ufffd7"
    units = [unit_bytes(ch, "gbk") for ch in window]
    filled = [u if isinstance(u, bytes) else None for u in units]
    values = {
        euro: repairer._hole_values(window, units, filled, 0, [1], mech, False, euro_seen=euro)[0]
        for euro in (False, True)
    }
    assert b"\x80" in values[False]
    assert b"\x80" not in values[True]
    assert set(values[True]) == set(values[False]) - {b"\x80"}
    text = damage("第一季度增长，本周三(28日)开会", "utf8_as_gbk", random.Random(0))
    assert "€" in text and _repair(repairer, text) == "第一季度增长，本周三(28日)开会"


@pytest.mark.parametrize("kind", ["utf8_as_cp1252", "double_utf8"])
def test_a_private_use_glyph_read_back_from_three_utf8_bytes_is_kept(repairer: Repairer, kind: str) -> None:
    # 〇 in some fonts' private use area (U+E3AC, EE 8E AC) read as cp1252 is îŽ¬:
    # three UTF-8 bytes read back whole, not a control character. Refused, the line
    # was read as GBK read as cp1252 instead and came out as 浜岊幀骞村崄.
    clean = "本公司董事会保证公告内容真实、准确。\n特此公告。\n董事会\n二\ue3ac二\ue3ac年十一月十三日"
    damaged = damage(clean, kind, random.Random(0))  # type: ignore[arg-type]
    assert _repair(repairer, damaged) == clean


@pytest.mark.parametrize(("original", "misread"), [("utf-8", "gbk"), ("gbk", "big5"), ("gbk", "cp1252")])
def test_kept_lone_byte_candidates_are_those_the_automaton_and_decoder_allow(original: str, misread: str) -> None:
    singles = CP1252_UNDEFINED if misread == "cp1252" else range(0x80, 0x100)
    for mask in (1, 2, 4) if original == "utf-8" else (1, 2):  # the automaton states of each codec
        for next_byte in (b"", b"1", b"\n"):
            for before_hole in (False, True):
                want = tuple(
                    bytes([v])
                    for v in singles
                    if step_unit(mask, bytes([v]), original)
                    and (not next_byte or _fails_alone(bytes([v]) + next_byte, misread))
                    and (not before_hole or _fails_before_any(bytes([v]), misread))
                )
                assert _lost_singles(mask, original, misread, False, next_byte, before_hole) == want
    # A decoder that reads 0x80 as the euro sign never lost it.
    assert b"\x80" not in _lost_singles(1, "utf-8", "gbk", True, b"", False)


@pytest.mark.parametrize("kind", ["utf8_as_gbk", "utf8_as_gbk_qmark", "gbk_as_big5"])
def test_a_kept_fill_is_the_fill_wherever_the_span_stands(kind: str) -> None:
    # The same damaged clause with the same neighbours, at two places in a window:
    # the kept fill is the one computed afresh, its unit indices moved with the span.
    from pipeline.repair.codecs import unit_bytes
    from pipeline.repair.mojibake import MECHANISMS, find_spans

    repairer = Repairer(default_lm())
    mech = next(m for m in MECHANISMS if m.name == ("gbk_as_big5" if kind == "gbk_as_big5" else "utf8_as_gbk"))
    damaged = damage("东吴证券担任保荐机构，主承销商为中信证券。", kind, random.Random(0))  # type: ignore[arg-type]
    checked = 0
    # U+1F4F0 is no byte of any code page here: spans stop there, at a different place in each.
    for window in (damaged, "\n" + damaged, "\U0001f4f0" + damaged + "\n", "据悉\U0001f4f0" + damaged + "\n"):
        units = [unit_bytes(ch, mech.misread) for ch in window]
        for s, e in find_spans(units, mech.original):
            if not any(isinstance(u, int) for u in units[s:e]):
                continue
            fresh = repairer._fill_span(window, units, s, e, mech, "\n", "\n")
            assert repairer._fill_holes(window, units, s, e, mech, "\n", "\n") == fresh  # computed and kept
            assert repairer._fill_holes(window, units, s, e, mech, "\n", "\n") == fresh  # from what was kept
            checked += 1
    assert checked >= 4
    assert len(repairer._fills) < checked  # the last window's spans stand elsewhere, and were kept


def test_kept_pair_candidates_are_the_candidates(repairer: Repairer) -> None:
    # A lost pair's candidates at every hole of a document: split once, the same lists each time.
    from pipeline.repair.mojibake import MECHANISMS, Mechanism, _lost_pairs_after, _pair_chars
    from pipeline.repair.t2s import to_simplified_many

    big5 = next(m for m in MECHANISMS if m.name == "gbk_as_big5")
    for mech in (big5, Mechanism("traditional", "big5", "gbk", traditional=True)):
        values = (b"\x81", b"?", *_lost_pairs_after(1, mech.misread, mech.original))
        table = _pair_chars(mech.original)
        usable = [v for v in values if v in table]
        chars = [table[v] for v in usable]
        want = ([b"\x81", b"?"], usable, to_simplified_many(chars) if mech.traditional else chars)
        assert len(usable) > 100
        assert repairer._pair_options(values, mech) == want
        singles, _, _ = repairer._pair_options(values, mech)
        singles.append(b"x")  # the caller's own list: what is kept does not change
        assert repairer._pair_options(values, mech) == want


def test_kept_viterbi_scores_are_the_scores() -> None:
    # The same blocks between the same contexts, read again (as when a text misread
    # from end to end is read line by line, converting first): the same choices.
    keep: list[str | None] = ["浠婂勾", "澶忔敹", "，", "鑻忕殩", "地区"]
    conv: list[str | None] = ["今年", "夏收", None, "苏皖", "地区"]
    first, fresh = Repairer(default_lm()), Repairer(default_lm())
    for convert_first in (False, True, False):
        kept = first._viterbi(keep, conv, "\n据统计，", "小麦托市", convert_first=convert_first)
        assert kept == fresh._viterbi(keep, conv, "\n据统计，", "小麦托市", convert_first=convert_first)
        fresh._viterbi_kept.clear()
    assert first._viterbi(keep, conv, "\n据统计，", "小麦托市") == [True, True, False, True, False]
    assert len(first._viterbi_kept) == 1


@pytest.mark.parametrize(
    "text",
    [
        "签约新生代流Москва量明星王俊凯作为代言人。",
        "加装可发声的喇Москва叭网孔。此举是为了安全。",
        "胀和冷却東京タワー。Москва\n至此，张君表示满意。",
    ],
)
def test_a_cyrillic_word_in_clean_chinese_text_is_no_damage(text: str) -> None:
    # Москва is what GBK makes of the Big5 bytes of 妙抉扼抗志忘; read by the LM as six unknown
    # symbols it lost to that nonsense, read as a word in a foreign alphabet it stays.
    assert normalize(text, simplify=False).text == text


def _reference_viterbi(scores: list[float], conv: list[str | None], convert_first: bool) -> list[bool]:
    """The Viterbi of :meth:`Repairer._viterbi` written plainly: a max over (total, previous state) pairs."""
    penalty = 6.0
    n = len(conv)
    best = {convert_first: 0.0, not convert_first: -penalty}
    back: list[dict[bool, bool]] = []
    for i in range(n):
        new: dict[bool, float] = {}
        links: dict[bool, bool] = {}
        for cur in (False, True):
            if cur and conv[i] is None:
                new[cur] = float("-inf")
                continue
            options = [
                (best[prev] + scores[4 * i + 2 * prev + cur] - (penalty if cur != prev else 0.0), prev)
                for prev in (False, True)
                if best[prev] > float("-inf")
            ]
            new[cur], links[cur] = max(options)
        best = new
        back.append(links)
    finals = {st: best[st] + scores[4 * n + st] - (penalty if st != convert_first else 0.0) for st in best}
    state = max(finals, key=lambda st: finals[st])
    path: list[bool] = []
    for links in reversed(back):
        path.append(state)
        state = links.get(state, False)
    return path[::-1]


def test_viterbi_choice_is_the_plain_max_over_both_states(repairer: Repairer, monkeypatch: pytest.MonkeyPatch) -> None:
    # Scores drawn from a few values (ties between the two ways into a state, and
    # between the two final states, are common) and blocks that cannot be converted.
    from pipeline.repair import mojibake

    assert mojibake.SWITCH_PENALTY == 6.0
    rng = random.Random(8)
    for _ in range(3000):
        n = rng.randrange(0, 7)
        scores = [float(rng.choice((-12, -6, -3, 0, 3))) for _ in range(4 * n + 2)]
        conv: list[str | None] = [None if rng.random() < 0.25 else "x" for _ in range(n)]
        keep: list[str | None] = ["y"] * n
        monkeypatch.setattr(repairer, "_viterbi_scores", lambda *_args, s=scores: s)
        for convert_first in (False, True):
            want = _reference_viterbi(scores, conv, convert_first)
            assert repairer._viterbi(keep, conv, "", "", convert_first=convert_first) == want


def _reference_parse(data: bytes, original: str) -> list[tuple[str | None, int]]:
    from pipeline.repair.codecs import char_length, decode_strict

    out: list[tuple[str | None, int]] = []
    pos = 0
    while pos < len(data):
        length = char_length(data[pos], original) or 1
        piece = data[pos : pos + length]
        out.append((decode_strict(piece, original) if len(piece) == length else None, len(piece)))
        pos += len(piece)
    return out


def _reference_blocks(
    unit_lengths: list[int], chars: list[tuple[str | None, int]]
) -> list[tuple[int, int, str | None]]:
    """Blocks by cumulative byte offsets: a cut wherever both readings end on the same byte."""
    unit_ends = set(itertools.accumulate(unit_lengths))
    char_ends = set(itertools.accumulate(n for _, n in chars))
    cuts = sorted(unit_ends & char_ends)
    units_at = list(itertools.accumulate(unit_lengths, initial=0))
    chars_at = list(itertools.accumulate((n for _, n in chars), initial=0))
    out: list[tuple[int, int, str | None]] = []
    prev = 0
    for cut in cuts:
        a, b = units_at.index(prev), units_at.index(cut)
        parts = [c for (c, _), at in zip(chars, chars_at, strict=False) if prev <= at < cut]
        out.append((a, b, None if None in parts else "".join(p or "" for p in parts)))
        prev = cut
    if units_at.index(prev) < len(unit_lengths):
        out.append((units_at.index(prev), len(unit_lengths), None))
    return out


@pytest.mark.parametrize("original", ["utf-8", "gbk", "big5"])
def test_spans_chars_and_blocks_agree_with_plain_definitions(original: str) -> None:
    # Random byte runs (valid characters, stray lead and trail bytes, truncated
    # ends), parsed twice to go through the kept pieces, against the definitions.
    rng = random.Random(original)
    alphabet = "今年夏收苏皖地区小麦，。“”A1 €é"
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 8)))
        data = bytearray(text.encode(original, errors="ignore"))
        for _ in range(rng.randrange(0, 3)):
            data.insert(rng.randrange(0, len(data) + 1), rng.randrange(0x80, 0x100))
        if data and rng.random() < 0.3:
            data = data[: rng.randrange(0, len(data))]
        chars = parse_chars(bytes(data), original)
        assert chars == _reference_parse(bytes(data), original) == parse_chars(bytes(data), original)
        cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randrange(0, 6)))) if len(data) > 1 else []
        bounds = [0, *cuts, len(data)] if data else []
        unit_lengths = [b - a for a, b in itertools.pairwise(bounds)]
        blocks = make_blocks(unit_lengths, chars, 0)
        assert [(b.obs_start, b.obs_end, b.original) for b in blocks] == _reference_blocks(unit_lengths, chars)
        units: list[Unit] = [bytes(data[a:b]) for a, b in itertools.pairwise(bounds)]
        assert find_spans(units, original) == find_spans(units, original) == _reference_spans(units, original)


def _reference_spans(units: list[Unit], original: str) -> list[tuple[int, int]]:
    """Maximal runs from each start: the longest prefix whose bytes end between characters."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        if units[i] is None:
            i += 1
            continue
        mask, last_ok, k = 1, -1, i
        while k < len(units) and units[k] is not None:
            unit = units[k]
            assert unit is not None
            mask = step_unit(mask, unit, original)
            if not mask:
                break
            k += 1
            if mask & 1:
                last_ok = k
        if last_ok > i:
            spans.append((i, last_ok))
            i = last_ok
        else:
            i += 1
    return spans


def test_character_classes_count_what_the_predicates_say(repairer: Repairer) -> None:
    # Every class letter against is_odd / is_rare, on clean text, mojibake and signs.
    detector = repairer.detector
    text = "据统计，浠婂勾澶忔敹鑻忕殩地区°C×3 Müller ▒ 龘 鈥� ｱ Москва ?? 翔鹭钨业"
    text += "".join(map(chr, range(0x80, 0x100)))
    classes = detector.classes(text)
    assert len(classes) == len(text)
    for ch, cls in zip(text, classes, strict=True):
        assert (cls == "a") == ch.isascii()
        assert (cls in "hOo") == (not ch.isascii() and detector.is_odd(ch))
        assert (cls in "hOor") == (not ch.isascii() and detector.is_rare(ch))
        assert (cls == "l") == (not ch.isascii() and not detector.is_odd(ch) and "\u0080" <= ch <= "\u00ff")
        assert (cls == "h") == (ch == "\ufffd")
    assert repairer._odd_letters(text) == sum(
        1 for ch in text if not ch.isascii() and not _HANZI_OR_LOST.match(ch) and detector.is_odd(ch)
    )
    assert repairer._rare_count(text) == sum(1 for ch in text if not ch.isascii() and detector.is_rare(ch))
    assert detector.odd_positions(text) == [i for i, ch in enumerate(text) if detector.is_odd(ch)]
    assert detector.rare_positions(text) == [i for i, ch in enumerate(text) if detector.is_rare(ch)]
    assert detector.odd_positions("据统计，地区 A1") == detector.rare_positions("据统计，地区 A1") == []


def test_what_a_repairer_keeps_never_changes_its_answers() -> None:
    # The same texts through one repairer in turn (its kept units, conversions, fills
    # and scores shared), and each through a fresh one: the same regions. The second
    # text is the first without the lost run (锟斤拷) that the first protects.
    lost = "其中锟斤拷鍏徃浠婂勾鍑€鍒╂鼎"
    texts = [
        lost,
        lost[3:],
        f"据统计，{damage(CLAUSE, 'utf8_as_gbk', random.Random(1))}，麦价运行。",
        f"据统计，{damage(CLAUSE, 'gbk_as_big5', random.Random(2))}。",
        f"{damage(CLAUSE, 'utf8_as_cp1252', random.Random(3))}\n{damage(CLAUSE, 'double_utf8', random.Random(4))}",
        f"据统计，{damage(CLAUSE, 'big5_as_gbk', random.Random(5))}。",
    ]
    shared = Repairer(default_lm())
    for text in [*texts, *reversed(texts)]:
        assert shared.regions(text) == Repairer(default_lm()).regions(text), text
    assert shared._units and shared._converted
    # What is kept is each window's own units: a protected run in one text is not
    # protected in another with the same window.
    for (window, misread), units in shared._units.items():
        assert list(units) == [unit_bytes(ch, misread) for ch in window]


def _reference_foreign_word(observed: str) -> bool:
    import regex

    letters = [ch for ch in observed if not ch.isascii() and not ch.isspace()]
    if len(letters) < 2:
        return False
    scripts = ("[\u0400-\u04ff]", "[\u0370-\u03ff]", "[\uac00-\ud7af\u1100-\u11ff]")
    if any(all(regex.match(script, ch) for ch in letters) for script in scripts):
        return True
    kana = sum(1 for ch in letters if regex.match("[\u3040-\u30ff\uff66-\uff9f]", ch))
    return kana * 2 >= len(letters) and regex.search("[\u3040-\u30ff\uff66-\uff9f]{2,}", observed) is not None


def test_foreign_words_and_covered_odd_characters_by_their_definitions() -> None:
    from pipeline.repair.mojibake import Region, _covered, _foreign_word

    rng = random.Random(3)
    alphabet = "Москва Ωμέγα 서울 東京タワーｱｲ 翔鹭 a1\u3000\u00a0\t-"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 9)))
        assert _foreign_word(text) == _reference_foreign_word(text), text
    for _ in range(500):
        start, end = rng.randrange(0, 20), rng.randrange(20, 40)
        odd = sorted(rng.sample(range(start, end), rng.randrange(0, end - start)))
        bounds = sorted(rng.sample(range(start - 2, end + 3), 2 * rng.randrange(0, 4)))  # some reach outside
        regions = [Region(a, b, "", "m", 0.0, 0) for a, b in zip(bounds[::2], bounds[1::2], strict=True)]
        want = sum(1 for p in odd if any(r.start <= p < r.end for r in regions))
        assert _covered([p - start for p in odd], start, end, regions) == want


@pytest.mark.parametrize(
    ("before", "clause", "after"),
    [
        ("据了解，", "这件事最早是由我们的王姐", "。后来她又告诉了别人。"),
        ("他说，", "最难忘的还是那一段运煤", "。这段经历他常常提起。"),
    ],
)
def test_a_misread_clause_ending_in_a_traditional_character_is_restored_to_its_end(
    repairer: Repairer, before: str, clause: str, after: str
) -> None:
    # GBK read as Big5 ends these clauses with 賬 and 繳: as t2s would make them (账, 缴)
    # they read well enough after 王 and 运 for the repair to stop one character short.
    # In Simplified text a Traditional character is itself a sign of the damage.
    damaged = damage(clause, "gbk_as_big5", random.Random(0))
    assert _repair(repairer, before + damaged + after) == before + clause + after


def test_traditional_text_around_a_misread_clause_is_still_read_as_simplified(repairer: Repairer) -> None:
    # The Traditional keep scoring needs Simplified text around the span: in a
    # Traditional document nothing changes (a Taiwan-style text keeps its characters).
    assert not repairer._in_simplified_text("據了解，這件事最早是由我們的王姐告訴別人的。", 4, 8)
    assert repairer._in_simplified_text("据了解，这件事最早是由我们的王姐告诉别人的。", 4, 8)


@pytest.mark.parametrize(
    "sentence",
    ["董事会授权公司管理层全权负责本次收购的具体事宜。", "公司委托律师全权处理此案，并表示将保留追究的权利。"],
)
def test_two_adjacent_lost_pairs_get_the_second_look(repairer: Repairer, sentence: str) -> None:
    # Big5 rejects GBK's 全 and 权 (C8 AB, C8 A8): two U+FFFD side by side, one group of
    # guesses spanning two characters. The first look (the LM alone) takes 人人 or 让人;
    # the second look, with jieba's words, takes 全权, as it does for a single lost pair.
    damaged = damage(sentence, "gbk_as_big5", random.Random(0))
    assert "\ufffd\ufffd" in damaged
    assert _repair(repairer, damaged) == sentence


def test_a_choice_over_several_pieces_is_cut_into_them() -> None:
    pieces = ((10, 11, "人"), (11, 12, "人"), (12, 14, "负"), (20, 21, "去"))
    choices = ((10, 12, ("人人", "全权")), (20, 21, ("去", "七")))
    assert _split_decided(pieces, choices, {10: "全权", 20: "七"}) == (
        (10, 11, "全"),
        (11, 12, "权"),
        (12, 14, "负"),
        (20, 21, "七"),
    )
    assert _split_decided(pieces, choices, {}) == pieces


@pytest.mark.parametrize("clause", ["全都来了", "确实很难", "去年春天"])
def test_a_lost_pair_that_starts_a_short_misread_clause_is_filled(repairer: Repairer, clause: str) -> None:
    # Big5 rejects the first character's GBK pair: the clause starts with U+FFFD and
    # has one or two odd characters, too few to back a lost byte on their own; the
    # rest of the clause is accepted alone, and the lost pair next to it is its damage.
    damaged = damage(clause, "gbk_as_big5", random.Random(0))
    assert damaged.startswith("\ufffd")
    text = f"她说，{damaged}。后来的事大家都知道了。"
    assert _repair(repairer, text) == f"她说，{clause}。后来的事大家都知道了。"


def test_a_lost_byte_in_clean_text_next_to_nothing_misread_stays(repairer: Repairer) -> None:
    # The lost byte is taken in only next to a piece the judge accepts on its own.
    text = "她说，\ufffd都来了。后来的事大家都知道了。"
    assert _repair(repairer, text) == text


def test_a_clean_line_of_a_misread_text_gets_no_combining_mark(repairer: Repairer) -> None:
    # Most of the text is UTF-8 read as GBK, so every line is read again with little
    # evidence; 通 is GBK CD A8, the UTF-8 of U+0368 (a combining c), and 百事通 after
    # the rare 炅 came back as 百事ͨ. A combining mark on a hanzi is never meant.
    paragraph = (
        "近日，多家上市公司发布公告称，受市场环境变化影响，公司将调整未来三年的发展战略，"
        "重点投入新能源和人工智能领域。业内人士认为，这一调整符合行业发展趋势，有望为公司带来新的增长点。"
    )
    clean = "何炅百事通，刘欢是大哥。"
    text = damage(paragraph, "utf8_as_gbk", random.Random(1)) + "\n" + clean
    assert _repair(repairer, text) == paragraph + "\n" + clean


@pytest.mark.parametrize(
    ("before", "replacement", "stray"),
    [
        ("事", "\u0368", True),  # a combining c on a hanzi
        ("", "\u0301", True),  # a combining acute at the start
        ("他", "\u3099", True),
        ("e", "\u0301", False),  # é written with a combining acute
        ("的", "\u0e01\u0e34", False),  # a Thai vowel sign on its consonant
        ("说", "\u2764\ufe0f", False),  # ❤️: a variation selector follows anything
        ("是", "1\ufe0f\u20e3", False),  # 1️⃣
    ],
)
def test_stray_combining_marks(before: str, replacement: str, stray: bool) -> None:
    assert _stray_mark(before, replacement) is stray


def test_viterbi_scores_of_several_spans_are_each_spans_own() -> None:
    # A window's spans are scored in one LM call: each gets the floats of a call of its own.
    requests = [
        (
            ["浠婂勾", "澶忔敹", "，", "鑻忕殩", "地区"],
            ["今年", "夏收", None, "苏皖", "地区"],
            "\n据统计，",
            "小麦托市",
        ),
        (["涓"], ["中"], "", "\n"),
        ([], [], "前文", "后文"),
        (
            ["浠婂勾", "澶忔敹", "，", "鑻忕殩", "地区"],
            ["今年", "夏收", None, "苏皖", "地区"],
            "\n据统计，",
            "小麦托市",
        ),
    ]
    together = Repairer(default_lm())._viterbi_scores_many(requests)
    alone = [Repairer(default_lm())._viterbi_scores_many([r])[0] for r in requests]
    assert together == alone
    assert [len(s) for s in together] == [22, 6, 2, 22]


def test_twin_guesses_do_not_vote_for_each_other(repairer: Repairer) -> None:
    # 喜力 (E5 96 9C E5 8A 9B) loses its last byte before the line break both times; the
    # model alone prefers 喜功 (好大喜功). Each first guess voted for the other in the
    # document cache, so the word model's 喜力 never won.
    text = "喜力啤酒业绩增长 得益于收购喜力\n来源：财经\n华润啤酒利润增长部分得益于收购喜力\n"
    damaged = damage(text, "utf8_as_gbk", random.Random(0))
    assert damaged.count("\ufffd") >= 2
    assert _repair(repairer, damaged) == text


def test_twins_are_guesses_among_the_same_options_after_the_same_characters() -> None:
    joined = "收购喜力，" + "甲" * 30 + "收购喜力。" + "收购喜功"
    at = [joined.index("喜力") + 1, joined.rindex("喜力") + 1, joined.rindex("喜功") + 1]
    chosen = [
        Region(a, a + 1, "x", "utf8_as_gbk", 20.0, 1, choices=((a, a + 1, options),))
        for a, options in zip(at, [("功", "力"), ("力", "功"), ("力", "加")], strict=True)
    ]
    where = {a: a for a in at}
    # The third has other options; the first two, 30 characters apart, are each other's twins.
    assert _twin_guesses(joined, chosen, where) == {at[0]: [at[1]], at[1]: [at[0]]}
    # Too close for their n-grams in the cache to stay apart: no twins.
    near = "收购喜力收购喜力"
    close = [near.index("力"), near.rindex("力")]
    regions = [Region(a, a + 1, "x", "utf8_as_gbk", 20.0, 1, choices=((a, a + 1, ("力", "功")),)) for a in close]
    assert _twin_guesses(near, regions, {a: a for a in close}) == {}
