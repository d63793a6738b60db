from bench.machine import REFERENCE_PYTHON_SPEED_US, python_speed_us, speed_note


def test_a_machine_near_the_reference_speed_is_called_as_fast() -> None:
    note = speed_note(REFERENCE_PYTHON_SPEED_US * 1.1)
    assert "as fast as the reference machine" in note
    assert "slower" not in note


def test_a_slower_machine_says_by_how_much_and_which_figures_it_moves() -> None:
    note = speed_note(231.0)
    assert "2.1x slower" in note
    assert "intake rate and p99" in note


def test_python_speed_is_a_positive_duration_in_microseconds() -> None:
    assert 0 < python_speed_us() < 100_000
