"""Raw Bot API update JSON → the core's events (bot/intake/updates.py), without any framework."""

from __future__ import annotations

from typing import Any

import pytest

from bot.intake.updates import Unreadable, arrival, chat_key, clean, to_event
from handlers.events import (
    BotMembership,
    ButtonPress,
    ChatRef,
    GroupMigrated,
    IncomingMessage,
    Person,
    RepliedMessage,
    SharedContact,
)
from storage.inbox import Arrival

GROUP = {"id": -100, "type": "group", "title": "3号楼"}
SUPERGROUP = {"id": -1001234567890, "type": "supergroup", "title": "3号楼"}
PRIVATE = {"id": 42, "type": "private", "first_name": "张阿姨"}
ZHANG = {"id": 42, "is_bot": False, "first_name": "张阿姨", "username": "zhang"}
BOT = {"id": 999, "is_bot": True, "first_name": "Linli", "username": "linli_bot"}

GROUP_REF = ChatRef(-100, "group", "3号楼")
ZHANG_REF = Person(42, "张阿姨", "zhang")


def message(**fields: Any) -> dict[str, Any]:
    """A message update in GROUP from ZHANG, with `fields` added (a value of None removes the key)."""
    body: dict[str, Any] = {"message_id": 7, "date": 1_700_000_000, "chat": GROUP, "from": ZHANG}
    for key, value in fields.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return {"update_id": 1000, "message": body}


def callback(**fields: Any) -> dict[str, Any]:
    query: dict[str, Any] = {"id": "cb-1", "from": ZHANG, "chat_instance": "ci", "data": "1:acc:5"}
    query.update(fields)
    return {"update_id": 1001, "callback_query": query}


def membership(old: str, new: str, chat: dict[str, Any] = GROUP, **rights: bool) -> dict[str, Any]:
    return {
        "update_id": 1002,
        "my_chat_member": {
            "chat": chat,
            "from": ZHANG,
            "date": 1_700_000_000,
            "old_chat_member": {"user": BOT, "status": old},
            "new_chat_member": {"user": BOT, "status": new, **rights},
        },
    }


# --- messages


def test_text_message_in_a_group() -> None:
    event = to_event(message(text="3号楼电梯坏了"))
    assert event == IncomingMessage(
        update_id=1000, chat=GROUP_REF, sender=ZHANG_REF, message_id=7, text="3号楼电梯坏了"
    )


def test_a_shared_contact_carries_the_number_and_whose_it_is() -> None:
    card = {"phone_number": "8613800138000", "first_name": "张阿姨", "user_id": 42}
    event = to_event(message(chat=PRIVATE, contact=card))
    assert isinstance(event, IncomingMessage)
    assert event.contact == SharedContact(phone="8613800138000", user_id=42)
    assert event.text == ""
    assert "8613800138000" not in repr(event)  # the number stays out of logs and tracebacks
    typed_in = to_event(message(chat=PRIVATE, contact={"phone_number": "110", "first_name": "某人"}))
    assert isinstance(typed_in, IncomingMessage) and typed_in.contact == SharedContact(phone="110")
    with pytest.raises(Unreadable):
        to_event(message(chat=PRIVATE, contact={"first_name": "张阿姨", "user_id": 42}))
    assert to_event(message(text="你好")).contact is None  # type: ignore[union-attr]


def test_photo_with_caption_takes_the_largest_size() -> None:
    sizes = [
        {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
        {"file_id": "medium", "file_unique_id": "m", "width": 320, "height": 320},
        {"file_id": "large", "file_unique_id": "l", "width": 1280, "height": 1280},
    ]
    event = to_event(message(photo=sizes, caption="楼道灯不亮"))
    assert isinstance(event, IncomingMessage)
    assert event.photo_file_id == "large"
    assert event.text == "楼道灯不亮"
    assert event.voice_file_id is None


def test_photo_without_caption_has_empty_text() -> None:
    event = to_event(message(photo=[{"file_id": "only", "width": 1, "height": 1}]))
    assert isinstance(event, IncomingMessage)
    assert (event.photo_file_id, event.text) == ("only", "")


def test_voice_message() -> None:
    event = to_event(message(voice={"file_id": "voice-1", "file_unique_id": "v", "duration": 3}))
    assert isinstance(event, IncomingMessage)
    assert event.voice_file_id == "voice-1" and event.photo_file_id is None and event.text == ""


def test_private_chat_takes_the_first_name_as_title() -> None:
    event = to_event(message(chat=PRIVATE, text="/start"))
    assert isinstance(event, IncomingMessage)
    assert event.chat == ChatRef(42, "private", "张阿姨") and event.chat.is_private


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        (BOT, RepliedMessage(5, 999, True)),
        (ZHANG, RepliedMessage(5, 42, False)),
        (None, RepliedMessage(5, None, False)),  # e.g. a channel post
    ],
    ids=["bot", "person", "no-author"],
)
def test_reply_to_a_message(author: dict[str, Any] | None, expected: RepliedMessage) -> None:
    replied: dict[str, Any] = {"message_id": 5, "date": 1, "chat": GROUP, "text": "原消息"}
    if author is not None:
        replied["from"] = author
    event = to_event(message(text="收到", reply_to_message=replied))
    assert isinstance(event, IncomingMessage)
    assert event.reply_to == expected


@pytest.mark.parametrize(
    "update",
    [
        message(text="我是机器人", **{"from": BOT}),
        message(text="匿名管理员", **{"from": None, "sender_chat": SUPERGROUP}),
        message(text="no from at all", **{"from": None}),
    ],
    ids=["from-bot", "sender-chat", "no-from"],
)
def test_messages_without_a_person_are_ignored(update: dict[str, Any]) -> None:
    assert to_event(update) is None


def test_fields_no_framework_knows_are_ignored() -> None:
    # A poll lacking fields some framework versions require, and keys no version knows.
    poll = {"id": "p1", "question": "几点停水?", "options": [], "total_voter_count": 0, "type": "regular"}
    update = message(caption="看看这个", poll=poll, future_field={"x": [1, 2]}, another=17)
    update["brand_new_top_level"] = True
    event = to_event(update)
    assert isinstance(event, IncomingMessage) and event.text == "看看这个"


def test_text_wins_over_caption() -> None:
    event = to_event(message(text="正文", caption="说明"))
    assert isinstance(event, IncomingMessage) and event.text == "正文"


# --- group migration


def test_migrate_to_chat_id_in_the_old_group() -> None:
    event = to_event(message(migrate_to_chat_id=SUPERGROUP["id"]))
    assert event == GroupMigrated(update_id=1000, chat=GROUP_REF, new_chat_id=SUPERGROUP["id"])


def test_migrate_from_chat_id_in_the_new_supergroup() -> None:
    event = to_event(message(chat=SUPERGROUP, migrate_from_chat_id=GROUP["id"]))
    assert isinstance(event, GroupMigrated)
    assert event.chat.id == GROUP["id"]  # the old id
    assert event.new_chat_id == SUPERGROUP["id"]
    assert event.chat.title == "3号楼"


def test_migration_is_read_even_without_a_sender() -> None:
    event = to_event(message(migrate_to_chat_id=SUPERGROUP["id"], **{"from": None}))
    assert isinstance(event, GroupMigrated)


# --- buttons


def test_callback_query_with_a_message() -> None:
    update = callback(message={"message_id": 55, "date": 1, "chat": GROUP, "text": "工单 #5"})
    assert to_event(update) == ButtonPress(
        update_id=1001, callback_id="cb-1", chat=GROUP_REF, sender=ZHANG_REF, message_id=55, data="1:acc:5"
    )


def test_callback_query_without_data_has_empty_data() -> None:
    update = callback(message={"message_id": 55, "date": 1, "chat": GROUP})
    del update["callback_query"]["data"]
    event = to_event(update)
    assert isinstance(event, ButtonPress) and event.data == ""


def test_callback_query_on_an_inaccessible_message() -> None:
    # Bot API 7.0: an old message comes as InaccessibleMessage (date 0) but still names chat and id.
    update = callback(message={"message_id": 55, "date": 0, "chat": GROUP})
    event = to_event(update)
    assert isinstance(event, ButtonPress) and event.message_id == 55


def test_callback_query_without_a_message_is_ignored() -> None:
    assert to_event(callback(inline_message_id="AAA")) is None


# --- the bot's own membership


@pytest.mark.parametrize(
    ("old", "new", "present"),
    [
        ("left", "member", True),
        ("kicked", "administrator", True),
        ("left", "restricted", True),
        ("member", "left", False),
        ("administrator", "kicked", False),
        ("creator", "left", False),
    ],
)
def test_my_chat_member_join_and_leave(old: str, new: str, present: bool) -> None:
    expected = BotMembership(1002, GROUP_REF, ZHANG_REF, present, arrived=present)
    assert to_event(membership(old, new)) == expected


@pytest.mark.parametrize(
    ("old", "new", "rights", "can_delete"),
    [
        ("member", "administrator", {"can_delete_messages": True}, True),  # promoted with the right
        ("left", "administrator", {"can_delete_messages": True}, True),
        ("administrator", "member", {}, False),
    ],
)
def test_my_chat_member_tells_whether_the_bot_may_delete(
    old: str, new: str, rights: dict[str, bool], can_delete: bool
) -> None:
    before = {"can_delete_messages": True} if old == "administrator" else {}
    update = membership(old, new, **rights)
    update["my_chat_member"]["old_chat_member"].update(before)
    event = to_event(update)
    assert isinstance(event, BotMembership)
    assert event.present and event.can_delete_messages is can_delete
    assert event.arrived is (old == "left")


@pytest.mark.parametrize(
    ("old", "new", "chat"),
    [
        ("member", "administrator", GROUP),  # promoted without the delete right: nothing changes for us
        ("left", "kicked", GROUP),  # outside either way
        ("member", "kicked", PRIVATE),  # a person blocked the bot: not a group
    ],
)
def test_my_chat_member_neither_join_nor_leave(old: str, new: str, chat: dict[str, Any]) -> None:
    assert to_event(membership(old, new, chat)) is None


# --- what the core has nothing to do with


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 1, "edited_message": {"message_id": 1, "date": 1, "chat": GROUP, "text": "x"}},
        {"update_id": 2, "chat_join_request": {"chat": GROUP, "from": ZHANG, "date": 1}},
        {"update_id": 3, "some_update_type_from_2030": {"anything": True}},
        {"update_id": 4},
    ],
    ids=["edited", "join-request", "unknown", "empty"],
)
def test_update_types_the_core_does_not_handle(update: dict[str, Any]) -> None:
    assert to_event(update) is None


# --- wrong types


@pytest.mark.parametrize(
    "update",
    [
        message(text="x", chat={"id": "-100", "type": "group"}),
        message(text="x", chat={"id": True, "type": "group"}),
        message(text="x", chat={"id": -100}),
        message(text="x", chat=None),
        message(text="x", **{"from": [ZHANG]}),
        message(text="x", **{"from": {"id": "42", "first_name": "张"}}),
        message(text=["x"]),
        message(caption=5),
        message(photo={"file_id": "x", "width": 1, "height": 1}, caption="x"),
        message(photo=["x"], caption="x"),
        message(photo=[{"width": 1}], caption="x"),
        message(voice="voice-1"),
        message(text="x", reply_to_message="5"),
        message(text="x", reply_to_message={"message_id": "5"}),
        message(migrate_to_chat_id="-100123"),
        message(text="x", message_id=None),
        {"update_id": "1000", "message": message(text="x")["message"]},
        {"update_id": 1, "message": "hello"},
        {"update_id": 1, "callback_query": []},
        callback(message={"message_id": 55, "chat": GROUP}, data=7),
        callback(message={"message_id": 55, "chat": GROUP}, id=None),
        callback(message="55"),
        {"update_id": 1, "my_chat_member": {"chat": GROUP, "from": ZHANG, "new_chat_member": {}}},
    ],
    ids=[
        "chat-id-string",
        "chat-id-bool",
        "chat-no-type",
        "no-chat",
        "from-list",
        "from-id-string",
        "text-list",
        "caption-int",
        "photo-dict",
        "photo-size-string",
        "photo-no-file-id",
        "voice-string",
        "reply-string",
        "reply-id-string",
        "migrate-string",
        "no-message-id",
        "update-id-string",
        "message-string",
        "callback-list",
        "callback-data-int",
        "callback-no-id",
        "callback-message-string",
        "membership-no-old",
    ],
)
def test_wrong_types_are_unreadable(update: dict[str, Any]) -> None:
    with pytest.raises(Unreadable):
        to_event(update)


def test_unreadable_is_a_value_error() -> None:
    assert issubclass(Unreadable, ValueError)


# --- chat_key


@pytest.mark.parametrize(
    ("update", "key"),
    [
        (message(text="x"), -100),
        (message(chat=PRIVATE, text="x"), 42),
        (callback(message={"message_id": 1, "chat": SUPERGROUP}), SUPERGROUP["id"]),
        (callback(inline_message_id="A"), 0),
        (membership("left", "member"), -100),
        ({"update_id": 1, "edited_message": {"chat": GROUP}}, 0),
        ({"update_id": 1}, 0),
        (message(chat={"id": "-100", "type": "group"}), 0),
        (message(chat={"id": True, "type": "group"}), 0),
        ({"update_id": 1, "message": "not an object"}, 0),
        ({"update_id": 1, "message": {"chat": [1]}}, 0),
    ],
    ids=[
        "group",
        "private",
        "button",
        "inline-button",
        "membership",
        "edited",
        "empty",
        "id-string",
        "id-bool",
        "message-string",
        "chat-list",
    ],
)
def test_chat_key(update: dict[str, Any], key: int) -> None:
    assert chat_key(update) == key


# --- clean


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("普通文字", "普通文字"),
        ("a\ud800b", "a\ufffdb"),  # lone high surrogate
        ("a\udc00b", "a\ufffdb"),  # lone low surrogate
        ("end\ud83d", "end\ufffd"),  # a high surrogate with nothing after it
        ("\ud83d\ude00", "😀"),  # a valid pair (as json.loads leaves it) becomes its character
        ("😀", "😀"),
        ("a\x00b", "a\ufffdb"),
        ("\x00\ud800😀", "\ufffd\ufffd😀"),
        ("", ""),
    ],
    ids=["plain", "high", "low", "trailing-high", "pair", "emoji", "nul", "mixed", "empty"],
)
def test_clean_strings(raw: str, cleaned: str) -> None:
    assert clean(raw) == cleaned
    cleaned.encode("utf-8")  # every encoder accepts it


def test_clean_walks_nested_structures_and_keys() -> None:
    raw = {
        "update_id": 5,
        "message": {"text": "x\ud800", "entities": [{"type": "bold\x00"}, 3, None, True, 1.5]},
        "k\udfff": ["\ud83d\ude00", ["deep\x00"]],
    }
    assert clean(raw) == {
        "update_id": 5,
        "message": {"text": "x\ufffd", "entities": [{"type": "bold\ufffd"}, 3, None, True, 1.5]},
        "k\ufffd": ["😀", ["deep\ufffd"]],
    }


@pytest.mark.parametrize("value", [None, 0, -7, 2**63, 1.25, True, False])
def test_clean_leaves_other_values_alone(value: object) -> None:
    assert clean(value) is value


def test_clean_returns_a_clean_string_itself() -> None:
    text = "没有问题的文字"
    assert clean(text) is text


# --- arrival


def test_arrival_of_a_good_update() -> None:
    update = message(text="电梯坏了")
    assert arrival(update) == Arrival(1000, -100, update)


def test_arrival_cleans_the_payload() -> None:
    got = arrival(message(text="坏\ud800"))
    assert got.payload["message"]["text"] == "坏\ufffd" and got.error is None


@pytest.mark.parametrize("raw", [[1, 2], "update", 17, None, ["\ud800"]])
def test_arrival_of_something_not_an_object(raw: object) -> None:
    got = arrival(raw)
    assert (got.update_id, got.chat_key, got.error) == (None, 0, "not a JSON object")
    assert set(got.payload) == {"unreadable"} and isinstance(got.payload["unreadable"], str)
    got.payload["unreadable"].encode("utf-8")


def test_arrival_keeps_at_most_10_000_characters_of_junk() -> None:
    got = arrival(["x" * 50_000])
    assert len(got.payload["unreadable"]) == 10_000


@pytest.mark.parametrize("update_id", [None, "1000", True, 1.5, [1]], ids=str)
def test_arrival_without_a_readable_update_id(update_id: object) -> None:
    update = message(text="x")
    if update_id is None:
        del update["update_id"]
    else:
        update["update_id"] = update_id
    got = arrival(update)
    assert got.update_id is None and got.error == "no update_id"
    assert got.chat_key == -100  # still kept in its chat's order
    assert got.payload == update
