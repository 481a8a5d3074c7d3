"""The README leads with a DAG: it must parse, build under Airflow and keep its three tasks in order."""

from __future__ import annotations

import re

from tests.paths import REPO_ROOT

README = REPO_ROOT / "README.md"


def _readme() -> str:
    return README.read_text(encoding="utf-8")


def _first_python_block_after_quick_start() -> str:
    text = _readme()
    start = text.index("## Quick start")
    match = re.search(r"```python\n(.*?)```", text[start:], re.DOTALL)
    assert match, "no ```python block after the README's Quick start"
    return match.group(1)


def test_the_quick_start_shows_both_commands():
    text = _readme()
    quick_start = text[text.index("## Quick start") :]
    commands = re.search(r"```bash\n(.*?)```", quick_start, re.DOTALL)
    assert commands
    lines = [line.split("#")[0].strip() for line in commands.group(1).splitlines()]
    assert "make demo" in lines and "make test" in lines


def test_the_readme_dag_builds_with_its_three_tasks_in_order():
    from airflow.sdk import DAG

    from airflow_provider_pinecone.operators.imports import StartImportOperator
    from airflow_provider_pinecone.operators.preflight import ValidateImportSourceOperator
    from airflow_provider_pinecone.sensors.imports import ImportSensor

    source = _first_python_block_after_quick_start()
    assert len(source.strip().splitlines()) <= 20, "the README's first DAG should stay short"
    namespace: dict = {"__name__": "readme_dag"}
    exec(compile(source, f"{README}:first-dag", "exec"), namespace)  # noqa: S102 - our own README

    dags = {id(v): v for v in namespace.values() if isinstance(v, DAG)}  # `with DAG(...) as dag:`
    dags.update({id(v.dag): v.dag for v in namespace.values() if isinstance(v, StartImportOperator)})
    (dag,) = dags.values()
    assert sorted(dag.task_ids) == ["start_import", "validate_source", "wait_for_import"]
    validate, start, wait = (dag.get_task(t) for t in ("validate_source", "start_import", "wait_for_import"))
    assert isinstance(validate, ValidateImportSourceOperator)
    assert isinstance(start, StartImportOperator)
    assert isinstance(wait, ImportSensor)
    # validate_source >> start_import >> wait_for_import, and nothing else.
    assert validate.downstream_task_ids == {"start_import"} and not validate.upstream_task_ids
    assert start.downstream_task_ids == {"wait_for_import"}
    assert wait.upstream_task_ids == {"start_import"} and not wait.downstream_task_ids
    # The same source for both, and the sensor waits for the import the operator starts.
    assert validate.uri == start.uri
    assert wait.deferrable is True
    assert "task_ids='start_import'" in wait.import_id and "key='import_id'" in wait.import_id
    # The dag-processor stores DAGs serialized: the README's must survive the round trip.
    try:
        from airflow.serialization.serialized_objects import DagSerialization as Serialization  # Airflow 3.2+
    except ImportError:
        from airflow.serialization.serialized_objects import SerializedDAG as Serialization  # Airflow 3.1
    restored = Serialization.from_dict(Serialization.to_dict(dag))
    assert sorted(restored.task_ids) == sorted(dag.task_ids)
    assert restored.get_task("start_import").downstream_task_ids == {"wait_for_import"}
