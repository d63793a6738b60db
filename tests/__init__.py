import pytest

# The helpers in tests/support/ assert as tests do: pytest rewrites their asserts too, for detailed messages.
pytest.register_assert_rewrite("tests.support")
