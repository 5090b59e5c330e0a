"""The house rules of docs/architecture.md, kept by `make test`: each check reads the code as text
(Python's own parser) and fails with the file and line of every breach, and each is shown to catch
its breach on a sample of its own.

- `scheduling` is infrastructure: it imports nothing of the mess.
- The interfaces (views, forms, admin, commands) write nothing themselves: every write goes through
  a feature's function (mess/<feature>.py), whatever the door.
- No module passes its size budget: about 400 lines, 450 at most, but those listed with why.
- No import inside a function without a comment saying why it cannot be at the top (an import in
  a function hides a cycle).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Where the interfaces are: they parse, call a feature's function and show what it did.
INTERFACES = ("mess/views/", "mess/forms/", "mess/admin/", "mess/management/", "scheduling/admin.py", "scheduling/views.py")
INTERFACES += ("scheduling/management/",)

# A query's writes, named as Django's ORM names them, and what reaches the database around the ORM.
WRITES = {"save", "delete", "create", "update", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
WRITES_ON_OBJECTS = {"create", "update", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}  # X.objects.<write>
RAW_SQL = {"raw", "cursor", "execute", "executemany", "RawSQL"}
ADMIN_WRITES = {"save_model", "delete_model", "delete_queryset", "save_formset", "save_related"}  # super().<this>: Django writes

BUDGET, MOST = 400, 450
# Modules allowed past MOST lines, by their path from the repository's root, each with why.
OVER_BUDGET = {
    "benchmarks/data.py": "the benchmarks' data at four scales, generated in bulk; not installed in production",
}


def python_files(*roots: str) -> list[Path]:
    files = []
    for root in roots:
        path = ROOT / root
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return [f for f in files if "migrations" not in f.parts and ".venv" not in f.parts]


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# The checks: each takes a module's source and returns "line N: what" for every breach.


def mess_imports(source: str) -> list[str]:
    """Where a module imports the mess (or the project that assembles it)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
        found += [f"line {node.lineno}: imports {name}" for name in names if name.split(".")[0] in ("mess", "manageit")]
    return found


def writes(source: str) -> list[str]:
    """Where a module writes to the database itself: a model's save() or delete(), a manager's
    create/update/bulk_* (X.objects...), raw SQL, or Django admin's own save/delete through super().
    A form's save(commit=False), which writes nothing, is allowed."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        chain = ast.unparse(func)
        if name == "save" and any(
            k.arg == "commit" and isinstance(k.value, ast.Constant) and k.value.value is False for k in node.keywords
        ):
            continue
        if name in ADMIN_WRITES and chain.startswith("super()."):
            found.append(f"line {node.lineno}: {chain}() writes around the feature's function")
        elif name in ("save", "delete") and isinstance(func, ast.Attribute):
            found.append(f"line {node.lineno}: {chain}() writes")
        elif name in WRITES_ON_OBJECTS and ".objects" in chain:
            found.append(f"line {node.lineno}: {chain}() writes")
        elif name in RAW_SQL:
            found.append(f"line {node.lineno}: {chain}() is raw SQL")
    return found


def too_long(source: str, *, path: str) -> list[str]:
    lines = len(source.splitlines())
    if lines > MOST and path not in OVER_BUDGET:
        return [f"{lines} lines, past the budget of about {BUDGET} ({MOST} at most): split it by what it does"]
    return []


def hidden_imports(source: str) -> list[str]:
    """Imports inside a function without a comment, on the lines just above, saying why."""
    lines = source.splitlines()
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom):
                above = lines[max(0, node.lineno - 4) : node.lineno - 1]
                if not any(line.strip().startswith("#") for line in above):
                    found.append(f"line {node.lineno}: imports inside {function.name}() without saying why")
    return found


def _report(breaches: dict[str, list[str]]) -> str:
    return "\n".join(f"{path}: {b}" for path, found in breaches.items() for b in found)


# The rules, over the tree


def test_scheduling_imports_nothing_of_the_mess():
    breaches = {relative(f): mess_imports(f.read_text()) for f in python_files("scheduling")}
    assert not _report(breaches), _report(breaches)


def test_the_interfaces_write_only_through_the_features_functions():
    breaches = {relative(f): writes(f.read_text()) for f in python_files(*INTERFACES) if "tests" not in f.parts}
    assert not _report(breaches), _report(breaches)


def test_no_module_passes_its_size_budget():
    files = python_files("mess", "scheduling", "manageit", "benchmarks", "tests")
    breaches = {relative(f): too_long(f.read_text(), path=relative(f)) for f in files}
    assert not _report(breaches), _report(breaches)
    assert all((ROOT / path).exists() for path in OVER_BUDGET), "an exception names a module that is gone"


def test_no_import_hides_in_a_function_without_a_reason():
    breaches = {relative(f): hidden_imports(f.read_text()) for f in python_files("mess", "scheduling")}
    assert not _report(breaches), _report(breaches)


# Each check catches its breach


def test_it_finds_scheduling_importing_the_mess():
    assert mess_imports("import os\nfrom mess.models import Mess\nimport manageit.settings\nfrom scheduling import x\n") == [
        "line 2: imports mess.models",
        "line 3: imports manageit.settings",
    ]


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("record.save()", "record.save() writes"),
        ("record.delete()", "record.delete() writes"),
        ("WasteRecord.objects.create(total_kg=1)", "WasteRecord.objects.create() writes"),
        ("Feedback.objects.filter(pk=1).update(rating=5)", "Feedback.objects.filter(pk=1).update() writes"),
        ("Alert.objects.bulk_create([])", "Alert.objects.bulk_create() writes"),
        ("Alert.objects.bulk_update([], ['value'])", "Alert.objects.bulk_update() writes"),
        ("WasteRecord.objects.raw('SELECT 1')", "WasteRecord.objects.raw() is raw SQL"),
        ("connection.cursor()", "connection.cursor() is raw SQL"),
        ("super().save_model(request, obj, form, change)", "super().save_model() writes around the feature's function"),
        ("super().delete_queryset(request, queryset)", "super().delete_queryset() writes around the feature's function"),
    ],
)
def test_it_finds_an_interface_writing_itself(line, found):
    assert writes(f"def view(request):\n    {line}\n") == [f"line 2: {found}"]


def test_it_lets_an_interface_read_and_build_unsaved_rows():
    source = "def view(request):\n    form.save(commit=False)\n    context.update(a=1)\n    Mess.objects.filter(code='x').first()\n"
    assert writes(source) == []


def test_it_finds_a_module_past_its_budget_unless_it_says_why():
    long = "x = 1\n" * (MOST + 1)
    assert too_long(long, path="mess/anything.py") == [
        f"{MOST + 1} lines, past the budget of about 400 ({MOST} at most): split it by what it does"
    ]
    assert too_long(long, path="benchmarks/data.py") == []
    assert too_long("x = 1\n" * MOST, path="mess/anything.py") == []


def test_it_finds_an_import_hidden_in_a_function():
    hidden = "def f():\n    from mess.derived import records_changed\n    return records_changed\n"
    said = (
        "def f():\n    # a cycle: mess.x needs this module at import time\n    from mess.derived import records_changed  # noqa: PLC0415\n"
    )
    assert hidden_imports(hidden) == ["line 2: imports inside f() without saying why"]
    assert hidden_imports(said) == []
