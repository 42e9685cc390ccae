"""The canonical encoding agrees with the RFC 8785 reference on every JSON value."""

from __future__ import annotations

import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.canonical import canonical_json

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_json = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)


@given(_json)
def test_matches_the_reference(value: object) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


def test_leaf_example_bytes() -> None:
    assert canonical_json({"b": 1, "a": 4.0, "c": "绿"}) == '{"a":4,"b":1,"c":"绿"}'.encode()
