"""Reading inputs: folders, globs, feeds, stdin, and every kind of bad input."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

from pipeline.io.readers import (
    FileRef,
    InputFailure,
    InputItem,
    expand,
    iter_inputs,
    iter_sources,
    load_file,
    looks_binary,
    undecodable_reason,
)

NEWS = "华为技术有限公司11月18日在深圳发布新款折叠屏手机，起售价9999元。"


def _ref(path: Path) -> FileRef:
    (item,) = list(iter_sources([str(path)]))
    assert isinstance(item, FileRef)
    return item


def test_folders_are_walked_recursively_in_order_skipping_hidden_and_readme(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("b/2.txt", "a.txt", "b/1.txt", ".hidden/x.txt", ".dot.txt", "README.md"):
        (tmp_path / name).write_text(NEWS, encoding="utf-8")
    found = [Path(p).relative_to(tmp_path).as_posix() for p in expand([str(tmp_path)])]
    assert found == ["a.txt", "b/1.txt", "b/2.txt"]


def test_globs_expand_and_an_excluded_folder_is_not_walked(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    for name in ("x1.txt", "x2.txt", "y.md", "out/x3.txt"):
        (tmp_path / name).write_text(NEWS, encoding="utf-8")
    assert [Path(p).name for p in expand([str(tmp_path / "x*.txt")])] == ["x1.txt", "x2.txt"]
    assert "x3.txt" not in [Path(p).name for p in expand([str(tmp_path)], exclude=[tmp_path / "out"])]


def test_a_missing_path_is_reported_as_unreadable(tmp_path: Path) -> None:
    (failure,) = list(iter_sources([str(tmp_path / "nope.txt")]))
    assert isinstance(failure, InputFailure) and failure.code == "E105"
    assert "nope.txt" in failure.message


def test_file_inputs_carry_their_key_hash_and_path(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(NEWS, encoding="utf-8")
    ref = _ref(path)
    assert ref.key == str(path.resolve()) and ref.size == path.stat().st_size
    item = load_file(ref)
    assert isinstance(item, InputItem)
    assert item.data == NEWS.encode("utf-8") and item.meta == {"path": str(path)}
    assert len(item.content_hash) == 32
    path.write_text(NEWS + "。", encoding="utf-8")
    changed = load_file(_ref(path))
    assert isinstance(changed, InputItem) and changed.content_hash != item.content_hash


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "E101"),
        (b"  \n\t ", "E101"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(64), "E102"),
        (bytes([0x80, 0xFF, 0xA0, 0xFE, 0x81, 0xFF]) * 100, "E103"),
    ],
    ids=["empty", "blank", "binary", "undecodable"],
)
def test_bad_files_become_failures_with_their_code(tmp_path: Path, data: bytes, code: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    failure = load_file(_ref(path))
    assert isinstance(failure, InputFailure)
    assert failure.code == code and failure.message.startswith(f"[{code}]") and str(path) in failure.message


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as fh:
        fh.truncate(100 * 1024 * 1024)
    (failure,) = list(iter_sources([str(path)]))
    assert isinstance(failure, InputFailure) and failure.code == "E104"
    assert "104857600 bytes" in failure.message
    small = tmp_path / "small.txt"
    small.write_text(NEWS, encoding="utf-8")
    (failure,) = list(iter_inputs([str(small)], max_bytes=10))
    assert isinstance(failure, InputFailure) and failure.code == "E104"


def test_a_file_that_cannot_be_opened_is_unreadable(tmp_path: Path) -> None:
    os.symlink(tmp_path / "gone.txt", tmp_path / "link.txt")
    (failure,) = list(iter_inputs([str(tmp_path)]))
    assert isinstance(failure, InputFailure) and failure.code == "E105"
    folder_as_file = FileRef(str(tmp_path), str(tmp_path), 0, 0)
    failure = load_file(folder_as_file)
    assert isinstance(failure, InputFailure) and failure.code == "E105"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_file_without_read_permission_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text(NEWS, encoding="utf-8")
    path.chmod(0)
    failure = load_file(_ref(path))
    assert isinstance(failure, InputFailure) and failure.code == "E105"


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "big5", "utf-16", "utf-8-sig"])
def test_common_encodings_are_accepted(tmp_path: Path, encoding: str) -> None:
    text = "台積電宣布在美國投資一千億美元" if encoding == "big5" else NEWS
    path = tmp_path / "a.txt"
    path.write_bytes(text.encode(encoding))
    assert isinstance(load_file(_ref(path)), InputItem)


def test_text_with_a_few_broken_bytes_is_still_text() -> None:
    assert undecodable_reason(NEWS.encode("utf-8") * 5 + b"\xff\xfe\xfd") is None
    assert undecodable_reason(NEWS.encode("gbk") * 5 + b"\xff") is None
    assert undecodable_reason(bytes(range(0x80, 0x100)) * 20) is not None
    assert looks_binary("中文".encode("utf-16")) is None


def test_feed_records_keep_metadata_and_bad_lines_fail(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": 7, "text": NEWS, "url": "https://x.cn/a", "published": "2025-11-18", "tags": ["a"]}),
        "",
        "{oops",
        json.dumps({"title": "no text"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"content": NEWS}),
        json.dumps({"text": "   "}),
    ]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(iter_sources([str(feed)]))
    first = items[0]
    assert isinstance(first, InputItem)
    assert first.doc_id == "7" and first.key == f"{feed.resolve()}#7" and first.source == f"{feed}:1"
    assert first.meta == {"id": 7, "url": "https://x.cn/a", "published": "2025-11-18"}
    assert [i.code for i in items if isinstance(i, InputFailure)] == ["E106", "E107", "E107", "E101"]
    sixth = next(i for i in items if isinstance(i, InputItem) and i.source.endswith(":6"))
    assert sixth.key == f"{feed.resolve()}:6" and sixth.doc_id is None


def test_an_over_long_feed_line_fails_and_the_next_line_is_read(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    long_line = json.dumps({"text": NEWS * 100}, ensure_ascii=False)
    feed.write_text(long_line + "\n" + json.dumps({"text": NEWS}, ensure_ascii=False) + "\n", encoding="utf-8")
    items = list(iter_sources([str(feed)], max_bytes=1000))
    assert isinstance(items[0], InputFailure) and items[0].code == "E104"
    assert isinstance(items[1], InputItem) and items[1].data == NEWS


def test_a_json_file_may_hold_one_record_or_a_list(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(json.dumps({"text": NEWS}), encoding="utf-8")
    (tmp_path / "many.json").write_text(json.dumps([{"text": NEWS}, {"body": NEWS, "id": "b"}]), encoding="utf-8")
    items = list(iter_inputs([str(tmp_path)]))
    assert len(items) == 3 and all(isinstance(i, InputItem) for i in items)


def test_stdin_is_a_jsonl_feed(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (json.dumps({"text": NEWS}) + "\n" + json.dumps({"id": "x", "text": NEWS}) + "\n").encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    first, second = list(iter_sources(["-"]))
    assert isinstance(first, InputItem) and first.source == "<stdin>:1" and first.key.startswith("stdin@")
    assert isinstance(second, InputItem) and second.key == "stdin#x"


def test_html_pages_become_article_text_with_metadata(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<!doctype html><html><head><title>标题_网站</title>"
        '<meta property="article:published_time" content="2025-11-18T09:30:00+08:00"></head>'
        f"<body><div class='nav'>首页 | 财经</div><article><h1>华为发布新手机</h1><p>{NEWS}</p></article>"
        "<footer>版权所有</footer></body></html>",
        encoding="utf-8",
    )
    item = load_file(_ref(page))
    assert isinstance(item, InputItem) and isinstance(item.data, str)
    assert NEWS in item.data and "首页" not in item.data
    assert item.meta["published"] == "2025-11-18T09:30:00" and item.meta["encoding"] == "utf-8"
    sniffed = tmp_path / "page.txt"  # no .html suffix: recognised by its start
    sniffed.write_bytes(page.read_bytes())
    assert isinstance(load_file(_ref(sniffed)).data, str)  # type: ignore[union-attr]
