"""The backup progress bars: a byte count only where a stage is measured in bytes."""

from rich.progress import Progress

from mercato.commands.backups import size_column


def _rendered(**fields: object) -> str:
    progress = Progress()
    task_id = progress.add_task("stage", **fields)  # type: ignore[arg-type]
    progress.advance(task_id, 1)
    return size_column().render(progress.tasks[0]).plain


def test_a_one_step_stage_shows_no_byte_count() -> None:
    assert _rendered(total=None, in_bytes=False) == ""


def test_a_stage_in_bytes_shows_bytes_done_of_the_total() -> None:
    assert _rendered(total=2048, in_bytes=True) == "0.0/2.0 kB"
