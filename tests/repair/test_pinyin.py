"""Spam-converter annotations, straddles included (pipeline/repair/pinyin.py)."""

from __future__ import annotations

import random

import pytest

from pipeline.corrupt import decode_gbk_lossy, spam_convert
from pipeline.offsets import TextState
from pipeline.repair.lm import default_lm
from pipeline.repair.pinyin import SITE_PRIOR, PinyinRepairer, _converter_alphabet, _site_cost, is_reading


@pytest.fixture(scope="module")
def repairer() -> PinyinRepairer:
    return PinyinRepairer(default_lm())


def _repair(repairer: PinyinRepairer, text: str) -> str:
    state = TextState(text)
    state.apply(repairer.edits(text))
    return state.text


def test_the_corruption_tool_reproduces_the_seed_straddle() -> None:
    data = "家帶著清華".encode("gbk")
    assert data.hex(" ") == "bc d2 8e a7 d6 f8 c7 e5 c8 41"
    replaced = data.replace("規".encode("gbk"), "規(guī)".encode("gbk"))
    assert decode_gbk_lossy(replaced) == "家?guī)е迦A"


def test_the_seed_straddle_is_undone(repairer: PinyinRepairer) -> None:
    text = "六年前,一家?guī)е迦A計算機(jī)系基因的AI創(chuàng)業(yè)公司悄然成立。"
    assert _repair(repairer, text) == "六年前,一家帶著清華計算機系基因的AI創業公司悄然成立。"
    kinds = [e.kind for e in repairer.edits(text)]
    assert "pinyin_straddle" in kinds and "pinyin_annotation" in kinds


def test_converted_text_round_trips() -> None:
    repairer = PinyinRepairer(default_lm())
    traditional = "據媒體報道，智譜商業化部門迎來團隊合併，不再劃分業務線，直接匯報給張鵬。"
    ok = 0
    for seed in range(10):
        converted = spam_convert(traditional, random.Random(seed))
        ok += _repair(repairer, converted) == traditional
    assert ok >= 9


def test_readings() -> None:
    assert is_reading("業", "yè")
    assert is_reading("著", "zhe") and is_reading("著", "zhù")
    assert not is_reading("王", "lǐ")


@pytest.mark.parametrize(
    "text",
    ["智能體(Agent)", "張三(Zhang San)", "网络流行语槑(méi)", "他姓王(lǐ)。", "MAU(月度活跃用户)"],
)
def test_what_is_not_an_annotation_stays(repairer: PinyinRepairer, text: str) -> None:
    assert repairer.edits(text) == []


def test_a_lone_annotation_on_a_common_character_goes(repairer: PinyinRepairer) -> None:
    assert _repair(repairer, "這是業(yè)務") == "這是業務"


def _spam(traditional: str, site: str) -> str:
    """The converter's byte-level replacement with a given site set (its readings pypinyin's first)."""
    from pypinyin import Style, pinyin

    data = traditional.encode("gbk")
    for ch in sorted(set(site)):
        reading = pinyin(ch, style=Style.TONE)[0][0]
        data = data.replace(ch.encode("gbk"), f"{ch}({reading})".encode("gbk"))
    return decode_gbk_lossy(data)


def test_the_converter_alphabet() -> None:
    from pipeline.repair.pinyin import _converter_alphabet, _foreign

    alphabet = _converter_alphabet()
    assert {"協", "後", "著", "衝", "爲"} <= alphabet
    assert not {"协", "后", "輓", "着"} & alphabet
    assert _foreign("部分协輓回") == 2 and _foreign("部分衝回") == 0


def test_foreign_counts_of_a_batch_equal_one_text_at_a_time() -> None:
    import random

    from pipeline.repair.pinyin import _foreign, _foreign_many

    # Random GBK bytes decoded as the repair decodes its candidates: hanzi of every
    # kind, Cyrillic letters, U+FFFD, line breaks, empty texts.
    rng = random.Random(3)
    texts = [
        bytes(rng.randrange(0x0A, 0x100) for _ in range(rng.randrange(0, 40))).decode("gbk", errors="replace")
        for _ in range(2000)
    ]
    texts += ["部分协輓回", "", "\n", "协\n輓", "Я", "部分衝回"]
    assert sum(map(_foreign, texts)) > 100  # the batch holds many of them
    assert _foreign_many(texts) == [_foreign(t) for t in texts]


@pytest.mark.parametrize(
    ("traditional", "site"),
    [
        # 中 straddles 分|衝 and the 'n' after it is 衝's trail; read with a dropped
        # pair there it makes 协輓, which the converter never writes.
        ("報告期內，公司應收賬款清收取得成效，部分衝回以前年度已計提壞賬準備，但與上年同期相比有所增加。", "中成以"),
        # 模 straddles 的|， and the decoder, out of step, drops two pairs in a row
        # (AC B5, AB CA): the whole character 但 between them comes back. Read over the
        # same bytes as the text without it, the model alone rates ，是今天 higher than
        # ，但是今天; jieba's dictionary knows 但是.
        (
            "這是三年前連想都不敢想的，但是今天發生了。這是第一次，科技大公司在紐約以外的地方定價。",
            "模今天了",
        ),
        # 保 straddles ”|， (the "(" dropped with "，"'s lead A3); out of step, "，"'s
        # trail and "“"'s lead are dropped: no 但 comes back between them.
        ("兄不過“善學”而“博”，“博”而“能精”而已。", "保博學能"),
        # 行 straddles 中|心; before the "?zài)" out of step a pair must have been
        # dropped, and read over as many bytes as the text without it, a 曾 came with it.
        ("如果造假，當福彩中心在封存上出現重大紕漏時，於海爲什麼不緊抓不放？", "行在存福漏於"),
        # 保 straddles ”|；; a dropped pair after it read over as many bytes as the text
        # without it put back ，不 for ；.
        ("研究化學反應如何減少廢物，直至實現“零排放”；研究用綠色植物代替石油作有機化工原料和能源。", "保研究作機化"),
        # 保 straddles ”|２; out of step, two pairs were dropped in the digits after it,
        # and read over as many bytes as the text without them, one pair more (a ，) won.
        (
            "精心挑選出３００多件，將到香港特區和澳門展出。\n”２００２年世界杯賽由兩個亞洲國家合辦，這不應影響亞洲地區目前３１的出線名額。",
            "保一亞個出前洲現這線",
        ),
        # 行 straddles 有|效, hiding 效's lead; 效's trail went with the "(" into a dropped
        # pair, and nothing else was dropped: "xiào)" is 效 itself, not a pair put back
        # before it (有望效).
        ("他說工作很好，公司有人。鍛煉法是否科學、有效，更要看官兵軍事素質能力", "行效人"),
        # 露 straddles 月|二; out of step, 二's trail, the whole 十 and 八's lead went in
        # two dropped pairs before the "?bā)": 十 comes back inside the restored pair.
        ("他說個人很好，公司八年。董事會二○二○年五月二十八日", "刑人露八"),
        # 局 straddles 司|制 after 制 was annotated: the chained slot's owner is weighed
        # by how common it is, not only by whether the text annotates it elsewhere.
        ("由中國航天保險聯合體承保、法國宇航公司制造、凝聚中歐技術人員智慧的通信衛星發射升空。", "局制中智"),
        # 於 straddles 奠|定; out of step, 定's trail and 了's lead make no character
        # (the first "?" of "??le)"), 了's trail and the "(" the second.
        ("在國際關系中，經濟因素居於主導和支配地位，從而爲全球經濟發展與合作奠定了新的基礎。", "於了的基"),
        # 就 straddles 司|同, then 同's trail and 日's lead are dropped: put back with
        # the straddle's byte chosen again (就 is annotated elsewhere), nothing else
        # is searched after them.
        (
            "公司就並購重組委審核意見所提問題進行了認真討論及核查，具體內容詳見公司同日披露在上海證券交易所。",
            "就日公披",
        ),
        # 救 (annotated in 救出) straddles 司|全, then 全's trail and 天's lead (AB CC) are
        # dropped before "?tiān)": read without the pair, 咎 (BE CC, a character the text
        # never shows) owns 司's trail and 天's lead, and the model reads 分公司天接報案
        # about as well as 分公司全天接報案.
        ("廠房被淹，員工全部救出。許多企業不同程度受災，分公司全天接報案近３０餘起，報案金額上百萬元。", "救天"),
        # 該 straddles 性|損 after 損 was annotated: "?gāi)p(sǔn)" is 損 (93 70) with its
        # lead hidden by the straddle, not a dropped pair before the "p".
        ("營業外收益（屬於非經常性損益項目），致公司本期利潤總額增加。", "損該經"),
        # 募 straddles 文|件, then 件's trail, the comma and 有's lead go in two dropped
        # pairs: the comma comes back inside the restored pair.
        ("並且已經向港交所提交了上市文件，有媒體報道稱京東擬發行股份。", "募文媒"),
        # 接 straddles 步|有; out of step, 效's trail and 申's lead (A7 C9) are no GBK
        # character: the lone "?" stands for both.
        ("根據網上投資者初步有效申購倍數確定。初步詢價的認購倍數已公布。", "接倍步初"),
        # 投 straddles 低|二; out of step, the decoder drops two pairs a character apart
        # (FE D5 of 二者, AE C7 of 之前): both come back together.
        ("與LVMH集團正在討論降低二者之前協定的並購交易價格，但目前尚未知曉最後是否會達成", "投協定易價"),
        # 值 straddles 手|的; a "?xī)" out of step is 西 after a dropped pair, not an
        # annotated 撕 (whose reading the converter would give as sī).
        ("曾長期擔任蘋果公司高管、負責Siri語音助手的比爾·斯塔西奧（Bill Stasior）近期已經加入微軟", "值西奧手期"),
        # 衣 straddles 桃|基, and 基's trail and 地's lead were dropped at the line's end:
        # the text without the pair is one character short there, not likelier.
        ("如今龍泉驛又是全國三大水蜜桃基地之一。", "衣一蜜桃又"),
        # 海 straddles 押|，, whose "(" went with "，"'s lead into a dropped pair; "，"'s
        # trail and 解's lead, and 除's trail and 質's lead, were dropped too: the first
        # pair is chosen again once the second is back.
        ("佔公司股份總數的6.15%）股份解除質押，解除質押手續已辦理完成。", "海已完成"),
        # 男 straddles 的|行; a dropped pair that reads 的行爲，然而 would bring back a 然
        # without its annotation, but the converter annotates every 然 (it does elsewhere).
        ("當然，總需要有規則去加以規範，約束參與者的行爲；而規則的制定是以實力爲基礎，這是必然的。", "男的然而"),
        # 室 (annotated in 辦公室) straddles 準|耶, and 耶's trail with 路's lead (AE C2) was
        # dropped: without the pair, 室's hidden D2 reads worst of the slot's values
        # (D2 B7), yet it is the one to try with the pairs (事's C2 gave 批準路撒冷).
        ("辦公室主任說，近日以色列內閣批準耶路撒冷擴建計劃。", "室撒"),
        # 本 straddles 北|京; out of step, 京's trail A9 and 時's lead 95 are no GBK
        # character: one "?" before 時's trail "r". Once the "?" is read back, no dropped
        # pair is wanted before the "r" (北警嫂時間).
        ("據CoinDesk數據顯示，北京時間25日凌晨3點45分，比特幣交易價跌穿9000美元。", "本時據"),
        # 保 straddles ”|，; out of step, two pairs were dropped (AC B8 of ，根, FE B0 of
        # 據巴). Changed one at a time from ，所擔巴基, each change reads worse (根擔, 所據):
        # only the two changed together give ，根據巴基.
        (
            "印度陸軍宣稱，巴基斯坦軍隊挑起衝突，造成了多人傷亡，印軍方隨後發動了“對等反擊”，"
            "根據巴基斯坦的說法，印度的軍事行動造成了2名巴平民喪生，並譴責印度方面故意挑起爭端。",
            "保基了的",
        ),
        # 保 straddles ”|）; out of step, 函's trail and 告's lead (AF B8) are dropped, then
        # ，'s trail and 獲's lead (AC AB), and 獲's trail "@" comes before its annotation
        # six bytes after the straddle: the second pair is required there, and the first is
        # chosen with it in place (，獲 alone left 烘 for 函告, or "@(huò)" stayed).
        (
            "控股股東招遠君興農業發展中心（以下簡稱“君興農業”）函告，獲悉其持有公司的部分股份進行了質押，具體事項如下：",
            "保獲股份",
        ),
        # 保 straddles ”|）; out of step, ）'s trail and 。's lead (A9 A1) are no GBK
        # character, and 。's trail went with the line break into a dropped pair (A3 0A):
        # the "?" is ）。 and a line break, not ） alone.
        (
            "確定本次項目執行方爲北京令才科技有限公司（簡稱“令才科技”）。\n此次項目合作，令才科技將爲中原農險打造契合一線財務工作特性的自動化服務。",
            "保令科技",
        ),
        # 展 straddles 務|範; out of step, 圍's trail and 至's lead (FA D6) are dropped. The
        # model reads a Cyrillic letter as a Latin one, and FA A7 put back read 範圍Я汽車:
        # the converter's Chinese text holds no Cyrillic.
        ("以擴大其業務範圍至汽車銷售的良機，以分享中國", "展車業擴"),
        # 嫌 straddles 料|有; out of step, 公's trail and 司's lead (AB CB) are dropped, and
        # 司's trail with the "(" after it is read as "?": the "?" holds a whole 司.
        ("南寧新光電材料有限公司(下稱“光電公司”)歸還4筆流動資金借款本金", "嫌下光電材"),
        # ... but a line without a closing mark gets none: 展 straddles 務|範, and 圍's trail
        # with the line break is the "?" (範圍。 reads better to the model than 範圍 there).
        ("虎都擬收購一家電商公司 以擴大其業務範圍\n新浪財經第六屆金牌董祕評選火熱進行中", "展都擬收電商擴業浪六牌"),
        # 前 straddles 是|半; out of step, 袋's trail and 面's lead (FC C3) are dropped. The
        # model rates 是半存粉和 about as high as 是半袋面粉和; jieba's dictionary knows 面粉.
        ("家裏吃的糧食就是半袋面粉和地上髒兮兮的一小堆紅薯。", "是前粉上一小堆"),
        # 中 straddles 持|型, and 型's trail and 收's lead read out of step as 褪. A pair put
        # back after the hidden D0 reads 持续低 (D0 F8, F8 B5 dropped, B5 CD): the model
        # likes 持续, but 续 is Simplified, and the converter wrote Traditional text.
        ("需求持續上升。該細分市場是交易型和支持型收入的最大驅動力。", "中收續"),
        # 保 straddles ”|，; out of step, ，'s trail and 被's lead (AC B1), 但's trail and 是's
        # lead (AB CA) are dropped. The model rates ；打敗登沒有 as high as ，被打敗但是沒有,
        # two characters longer; the document writes 但是 and 被打 on its other line.
        (
            "盡管總冠軍是猛龍，但是勇士更值得尊敬。\n他們是“站著死”，被打敗但是沒有被打倒。",
            "不主京人來兩冠力夠天季尊對布慘扭敬普本杜比沒湯特猛的盡看碾秒站第管節結續行賴賽還間關隊隨保",
        ),
        # 目 straddles 的|科; out of step, 名's trail and 與's lead (FB C5) are dropped before
        # 與's trail "c": the model rates 一名點２５萬 higher than 一名與２５萬, but the
        # document writes 與 where it was read in step.
        (
            "作爲一名從事航天事業３６年的科技工作者，作爲一名與２５萬航天人一齊經受時代大潮檢驗的領導幹部，我與他們一起。",
            "事代受國年幹弱我時有潮目眼系親部",
        ),
        # 交 straddles 方|基; out of step, 基's trail and 金's lead (F9 BD) are dropped: 南方火、
        # reads as well to the model as 南方基金、 with a character less.
        ("公司召開電話會議調研，南方基金、工銀瑞信基金、富國基金、人保資產", "交富國話"),
    ],
)
def test_straddles_with_drops_are_undone(repairer: PinyinRepairer, traditional: str, site: str) -> None:
    damaged = _spam(traditional, site)
    assert "?" in damaged or ")" in damaged.replace("(", "")
    assert _repair(repairer, damaged) == traditional


def test_a_question_mark_at_a_line_end_swallowed_no_line_break(repairer: PinyinRepairer) -> None:
    # 隆 straddles 下|。 ("A1 28" dropped), and the "。"'s last byte, alone at the end of
    # the converter's input, became "?": the line break after it was never swallowed.
    damaged = _spam("準備嘗試與埃隆·馬斯克的星鏈一較高下。", "隆與埃") + "\n與此同時，它在軌的衛星更多。"
    assert damaged.startswith("準備嘗試與(yǔ)埃(āi)隆(lóng)") and "下lóng)?\n" in damaged
    assert _repair(repairer, damaged) == "準備嘗試與埃隆·馬斯克的星鏈一較高下。\n與此同時，它在軌的衛星更多。"


def test_clean_lines_say_nothing_about_the_site_set(repairer: PinyinRepairer) -> None:
    # One converted paragraph in clean text: 作 stands without an annotation in the clean
    # line, which the converter never saw, so it is no sign that 作 is outside its site
    # set; the "?zuò)" after 工 (共 straddles 使|裁, 作's lead read with ぷ) is 作, not 做.
    clean = "各國都在推進這項工作，合作與協作是當前的重點。"
    converted = "第二，要使裁軍工作以新的目標繼續進行，防止各種野心；第二，要使裁軍工作以新的目標繼續進行。"
    damaged = clean + "\n" + _spam(converted, "共作的各種野")
    assert "?zuò)" in damaged
    assert _repair(repairer, damaged) == clean + "\n" + converted


def test_the_clean_rest_of_a_line_says_nothing_about_the_site_set(repairer: PinyinRepairer) -> None:
    # A converted clause in a clean line: 行 straddles 中|行 (中行 is D6 D0 D0 D0), and the
    # clean text after the clause has 中行 and 分行 without annotations. That is no sign
    # that 行 is not in the site set: only the converted stretch of the line says so.
    before, converted = "由于爆仓导致倒贴，", "中行原油寶事件今日引起軒然大波。"
    after = "据了解，今天上午，中行长三角地区某市分行陆续有当地客户看到媒体报道，并与该分行联络协商。"
    damaged = before + _spam(converted, "行件大") + after
    assert "中?xíng)" in damaged
    assert _repair(repairer, damaged) == before + converted + after


def test_a_straddle_owner_is_chosen_with_the_words_it_makes(repairer: PinyinRepairer) -> None:
    # 按 straddles 喊|大 and 叫 is annotated out of step ("?jiào)" after 蠼): the hidden
    # byte of the "?jiào)" is 叫's D0 or 教's CC. The character model hardly tells 大喊大叫
    # from 大喊大教 (教 is the more frequent owner); jieba's dictionary knows the idiom.
    traditional = "球迷們不是簡單的大喊大叫，而是有節奏地爲球隊加油。"
    damaged = _spam(traditional, "按叫是單")
    assert "大喊?àn)蠼?jiào)" in damaged
    assert _repair(repairer, damaged) == traditional


@pytest.mark.parametrize(
    ("traditional", "site"),
    [
        ("新華社北京５月１４日電，全國人大常委會今天在北京閉幕。", "本月是會"),
        ("本報北京６月２３日訊，大型文獻紀錄片今晚播出。", "本月是今"),
    ],
)
def test_a_question_mark_right_after_a_straddle_is_two_bytes(
    repairer: PinyinRepairer, traditional: str, site: str
) -> None:
    # 本 straddles 北|京; out of step, the decoder reads 京's trail A9 with the next
    # character's lead A3 (of ５ or ６): no GBK character, one "?" for two bytes. Read as
    # one byte, the stretch after it decoded one byte off and a dropped pair was put
    # back to make up for it (北京５元躍).
    damaged = _spam(traditional, site)
    assert "北?běn)?" in damaged and "?yuè)" in damaged
    assert _repair(repairer, damaged) == traditional


@pytest.mark.parametrize(
    ("traditional", "site"),
    [
        # 性 straddles 研|院; out of step, 院's trail BA and the "(" after it became one
        # "?". The model, a few characters wide, liked 院011.150 better: the ")" further
        # on says the "?" swallowed a "(".
        ("證券代碼：603183    證券簡稱：建研院(11.150,-0.18,-1.59%)公告編號：2019-090", "性券"),
        # ... and before a run of spaces, one of them (no "(" without its ")").
        ("證券簡稱：建研院      公告編號：2019-091", "性券"),
        # 上 straddles 股|限; out of step, 票's trail B1 went with the first of four spaces.
        ("回購注銷的限制性股票數量爲93.66萬股限制性股票    來源：格隆匯", "上的前公司"),
    ],
)
def test_a_question_mark_swallowed_what_the_line_says(repairer: PinyinRepairer, traditional: str, site: str) -> None:
    damaged = _spam(traditional, site)
    assert "?" in damaged
    assert _repair(repairer, damaged) == traditional


def test_a_question_mark_before_an_indent_in_indented_text(repairer: PinyinRepairer) -> None:
    # As above, but 票's trail B1 went with a line break before an indented line, in a
    # text that indents its lines: the run of spaces is an indent, not a line's inside.
    traditional = "    公司公告如下。\n    回購注銷的限制性股票數量爲93.66萬股限制性股票\n    來源：格隆匯"
    damaged = _spam(traditional, "上的前公司")
    assert "股?shàng)" in damaged and "善?    來源" in damaged
    assert _repair(repairer, damaged) == traditional


@pytest.mark.xfail(strict=True, reason="the model reads no space, and nothing else in the text shows an indent")
def test_a_question_mark_before_an_indented_line(repairer: PinyinRepairer) -> None:
    # The same line break in a text with no other indent: read with a space, the lines
    # join. The tuning share holds runs of spaces inside lines (股票    來源, 建研院
    # 公告) and no indent after such a "?".
    traditional = "回購注銷的限制性股票數量爲93.66萬股限制性股票\n    來源：格隆匯"
    assert _repair(repairer, _spam(traditional, "上的前公司")) == traditional


def test_the_document_cache_holds_only_text_read_in_step(repairer: PinyinRepairer) -> None:
    from pipeline.repair.t2s import to_simplified

    damaged = _spam("但是勇士更值得尊敬，他們是“站著死”，被打敗但是沒有被打倒。", "尊敬沒保")
    assert "(zūn)敬(jìng)" in damaged and "淮驍" in damaged
    cache = repairer._document_cache(damaged)

    def seen(trigram: str) -> bool:
        a, b, c = repairer.lm.ids(to_simplified(trigram))
        return cache.prob(a, b, c) > 0

    # The annotations are out, so 尊 and 敬 stand together; the stretch the decoder read
    # out of step after the straddle (淮驍〉菦) is no evidence for anything.
    assert seen("得尊敬") and seen("但是勇")
    assert not seen("淮驍〉") and not seen("驍〉菦")


def test_the_character_a_straddle_cut_in_two_costs_nothing_for_being_a_site_character() -> None:
    # 司 straddles 人|均 (its "(" went between 均's bytes BE and F9), so the converter could
    # not annotate 均 there even where it annotates 均 elsewhere; 購 it could have.
    trial = "人均購".encode("gbk")  # C8 CB | BE F9 | D9 8F: the pair F9 D9 put back at 3
    assert _site_cost(trial, (3,), frozenset("均"), split=2) == 0.0
    assert _site_cost(trial, (3,), frozenset("均")) == SITE_PRIOR
    assert _site_cost(trial, (3,), frozenset("購"), split=2) == SITE_PRIOR


def test_the_text_end_is_a_line_end(repairer: PinyinRepairer) -> None:
    # 小 straddles 中|。 ("A1 28" dropped) and 。's last byte, alone at the end of the text,
    # became "?". Read with no end after it, the model took 、 (A1 A2) for it.
    damaged = _spam("公司的產品矩陣覆蓋了幼兒園到高中。", "小了覆產")
    assert damaged.endswith("高中xiǎo)?")
    assert _repair(repairer, damaged) == "公司的產品矩陣覆蓋了幼兒園到高中。"


def test_what_follows_an_invalid_pair_is_read_in_step(repairer: PinyinRepairer) -> None:
    # 子 straddles 佔|有; out of step, 、's trail and 強's lead (A2 8F) are dropped, and 的's
    # trail went with its own "(" into a "?". Until the pair is put back, the in-step bytes
    # hold A1 8A, no GBK character: decoded a byte off after it (姶蟮), the text made a
    # pair put back before 的 look good (強大跌她的).
    damaged = _spam("較高的市場佔有率、強大的品牌影響力，深度布局海外。", "子的力響度有")
    assert "佔?zi)新省姶蟮?de)品牌" in damaged
    assert _repair(repairer, damaged) == "較高的市場佔有率、強大的品牌影響力，深度布局海外。"


def test_hidden_bytes_are_chosen_again_once_a_question_mark_is_read_back(repairer: PinyinRepairer) -> None:
    # 保 straddles １|２; out of step, 個's trail and 月's lead (80 D4) read as "?", and 那
    # straddles 的|青. 人's own annotation, read out of step, hides its trail C8 CB: chosen
    # with the "?" as one byte, the window after it read a byte off, and 壬 won.
    traditional = "向５０％以上失業６個月或１２個月的青年和成年人提出計劃，人數不多。"
    damaged = _spam(traditional, "保那人")
    assert "１bǎo)矀?碌那(nà)嗄旰统赡耆?rén)提出" in damaged
    assert _repair(repairer, damaged) == traditional


def test_an_annotation_read_out_of_step_further_on_with_its_lead_dropped(repairer: PinyinRepairer) -> None:
    # 和 straddles 押|外; out of step, ，'s trail and 其's lead (AC C6) are dropped, then
    # 擔's trail with 保's lead (FA B1) and 保's trail with the "(" (A3 28): "bǎo)" after
    # 鼡, a lead whose trail went with the pair.
    traditional = "除此追加股權質押外，其它擔保條件不變。"
    damaged = _spam(traditional, "和保件追")
    assert "質押?hé)猓渌鼡bǎo)條件" in damaged
    assert _repair(repairer, damaged) == traditional


@pytest.mark.parametrize("company", ["中核工程", "中國電力科技"])
def test_a_long_stretch_out_of_step_gets_back_every_dropped_pair(repairer: PinyinRepairer, company: str) -> None:
    # 保 straddles ”|） ("A3 28" dropped); the decoder stays out of step until the "_" of
    # 確 (B4 5F), forty characters on, and drops every pair of a user-defined area it
    # meets on the way: five (FC C8 of 近日, AB CB of 公司, F8 A1 of 書》, AC CD of ，通,
    # AA B4 of 知確). Two at most were put back (秸收到 for 近日收到, （謃定 for ，通知確定).
    text = (
        f"公司（以下簡稱“華都公司”）近日收到{company}有限公司的《中標通知書》，"
        "通知確定華都公司爲示範快堆LOT566A的中標單位。"
    )
    damaged = _spam(text, "稱華都保")
    assert "公司”bǎo)┙帐盏" in damaged
    assert _repair(repairer, damaged) == text


# Who may own a straddling annotation: only a character the converter writes.


def test_the_simplified_owner_is_one_the_converter_never_writes() -> None:
    # The two owners the bytes allow below: 照 is D5 D5, 赵 is D5 D4 (趙 is DA 77).
    assert "照".encode("gbk").hex() == "d5d5"
    assert "赵".encode("gbk").hex() == "d5d4"
    assert "照" in _converter_alphabet()
    assert "赵" not in _converter_alphabet()


@pytest.mark.parametrize(
    ("traditional", "site"),
    [
        ("那日正午來到村口，照例休息片刻。", "照口休"),
        ("冬日正午來訪的客人不多。", "照客人"),
        ("春日正午來此賞花，遊人如織。", "照人如"),
    ],
)
def test_a_straddle_owner_is_a_character_the_converter_writes(
    repairer: PinyinRepairer, traditional: str, site: str
) -> None:
    # 照 (D5 D5) straddles 日|正 (C8 D5|D5 FD); out of step, 正's trail and 午's lead
    # (FD CE) are dropped and 午's trail with 來's lead (E7 81) reads 鐏. The hidden
    # byte D4 reads 日早來 with nothing put back, but makes the owner 赵 (D5 D4), a
    # Simplified-only form the converter never writes, so never annotates: that text,
    # converted with the same site set, has no straddle at all. Which text the hidden
    # D5 gives (日正午來 or 日甄來, no pair dropped) is the model's to choose; it must be
    # one the converter turns into the same damaged text.
    damaged = _spam(traditional, site)
    assert "日?zhào)鐏" in damaged
    repaired = _repair(repairer, damaged)
    assert "早" not in repaired
    assert _spam(repaired, site) == damaged
