from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.callbacks import CODE, MAX_BYTES, SIGNATURE, Callback, Op, decode, encode


@pytest.mark.parametrize("op", list(Op))
def test_round_trip_for_every_op(op: Op) -> None:
    args = tuple("noise" if kind == CODE else 7 + i for i, kind in enumerate(SIGNATURE[op]))
    data = encode(op, *args)
    assert data.startswith("1:")
    assert decode(data) == Callback(op, args)


def test_largest_ids_fit_in_64_bytes() -> None:
    data = encode(Op.RESOLVE, 10**18 - 1)
    assert len(data.encode()) <= MAX_BYTES
    assert decode(data) == Callback(Op.RESOLVE, (10**18 - 1,))


def test_wrong_arguments_are_a_programming_error() -> None:
    with pytest.raises(ValueError):
        encode(Op.RESOLVE)
    with pytest.raises(ValueError):
        encode(Op.SET_CATEGORY, 1, "噪音")  # Chinese text never goes into button data
    with pytest.raises(ValueError):
        encode(Op.SET_CATEGORY, 1, 2)


@pytest.mark.parametrize("data", ["1:sc:1:Noise", "1:sc:1:", "1:sc:x:noise", "1:sc:1:noise:2", "1:sc:1:噪音"])
def test_category_codes_are_strict(data: str) -> None:
    assert decode(data) is None


@given(st.text(max_size=200))
def test_any_text_decodes_to_a_valid_callback_or_none(data: str) -> None:
    result = decode(data)
    if result is not None:
        assert encode(result.op, *result.args) == data


@given(st.binary(max_size=100))
def test_binary_garbage_never_raises(raw: bytes) -> None:
    decode(raw.decode("utf-8", "replace"))
