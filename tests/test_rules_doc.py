"""docs/rules.md maps each rule of docs/process-standards.md to the code that implements it and
the tests that prove it. These tests keep that table true while the code and the tests change:
each failure names the row of docs/rules.md to fix and what to write in it."""

import ast
import importlib
import inspect
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STANDARDS = ROOT / "docs" / "process-standards.md"
RULES = ROOT / "docs" / "rules.md"
TESTS = ROOT / "tests"
NOT_YET = "not implemented yet"

STANDARD_RULE = re.compile(r"^- (R\d+\.\d+) ", re.MULTILINE)
TABLE_ROW = re.compile(r"^\|\s*(R\d+\.\d+)\s*\|")
BACKTICKED = re.compile(r"`([^`]+)`")
# A rule id in a test's name, wherever it stands between underscores: test_r4_3_... proves R4.3,
# test_r5_1_r5_2_... both, and test_..._and_r2_4_... R2.4 too; "r4_" alone is a section, no rule.
NAME_RULE = re.compile(r"(?<=_)r(\d+)_(\d+)(?=_|$)")
PARAMETERS = re.compile(r"\[.*\]$")


@dataclass(frozen=True, kw_only=True)
class Row:
    rule: str
    line: int
    not_yet: bool
    functions: tuple[str, ...]
    tests: tuple[str, ...]

    @property
    def where(self) -> str:
        return f"docs/rules.md:{self.line} ({self.rule})"


@cache
def rows() -> tuple[Row, ...]:
    found = []
    for number, line in enumerate(RULES.read_text(encoding="utf-8").splitlines(), start=1):
        match = TABLE_ROW.match(line)
        if match is None:
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        assert len(cells) == 4, (
            f"docs/rules.md:{number}: a row has four cells (Rule | About | Implemented by | Proven by); "
            f"this one has {len(cells)}. A '|' inside a cell splits it: reword the cell without one."
        )
        _rule, _about, implemented_by, proven_by = cells
        found.append(
            Row(
                rule=match.group(1),
                line=number,
                not_yet=NOT_YET in implemented_by.lower(),
                functions=tuple(BACKTICKED.findall(implemented_by)),
                tests=tuple(BACKTICKED.findall(proven_by)),
            )
        )
    return tuple(found)


def rows_by_rule() -> dict[str, Row]:
    return {row.rule: row for row in rows()}


def standard_rules() -> list[str]:
    return STANDARD_RULE.findall(STANDARDS.read_text(encoding="utf-8"))


def rule_of(major: str, minor: str) -> str:
    return f"R{int(major)}.{int(minor)}"


@cache
def defined_tests(path: Path) -> frozenset[str]:
    """The test functions a test file defines, as the part of their node id after the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in tree.body:
        if isinstance(node, functions) and node.name.startswith("test"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names |= {
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, functions) and item.name.startswith("test")
            }
    return frozenset(names)


def files_of_tests() -> list[Path]:
    return sorted(TESTS.rglob("test_*.py"))


def base_node_id(node_id: str) -> str:
    """A parametrised test is listed by its base name: the ids pytest adds in [...] are dropped."""
    return PARAMETERS.sub("", node_id)


def resolve(path: str) -> tuple[object, str, str]:
    """The object a dotted path names, the module it was imported from and the first name after
    the module. ImportError or AttributeError when the path names nothing."""
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            missing = error.name or ""
            if module_name == missing or module_name.startswith(missing + "."):
                continue  # no such module: the module is a shorter prefix
            raise  # the module exists but fails to import: that is the news
        target: object = module
        for attribute in parts[cut:]:
            target = getattr(target, attribute)
        return target, module_name, parts[cut]
    raise ImportError(f"no module in {path!r}")


def test_every_rule_of_the_standards_has_exactly_one_row():
    standards = standard_rules()
    assert standards, "docs/process-standards.md lists no rule ids ('- R4.3 ...'); is it still there?"
    listed = [row.rule for row in rows()]
    problems = [
        f"{rule} is a rule of docs/process-standards.md with no row in docs/rules.md: add "
        f"'| {rule} | <what it asks> | {NOT_YET} | |', or its functions and tests if it is implemented."
        for rule in standards
        if rule not in listed
    ]
    problems += [
        f"docs/rules.md:{row.line}: {row.rule} is not a rule of docs/process-standards.md: "
        "fix the id or drop the row."
        for row in rows()
        if row.rule not in standards
    ]
    problems += [
        f"{rule} has {listed.count(rule)} rows in docs/rules.md: merge them into one."
        for rule in sorted(set(listed))
        if listed.count(rule) > 1
    ]
    assert not problems, "\n".join(problems)


def test_every_listed_function_resolves_where_it_is_defined():
    problems = []
    for row in rows():
        for path in row.functions:
            if any(part.startswith("_") for part in path.split(".")):
                problems.append(
                    f"{row.where}: `{path}` is private and may be renamed at any time: name the "
                    "public function that applies it instead."
                )
                continue
            try:
                target, module_name, first_name = resolve(path)
            except (ImportError, AttributeError) as error:
                problems.append(
                    f"{row.where}: `{path}` does not resolve ({error}): it was moved or renamed; "
                    "write its current dotted path, or the function that implements the rule now."
                )
                continue
            owner = getattr(importlib.import_module(module_name), first_name)
            defined_in = getattr(owner, "__module__", None)
            if (inspect.isfunction(owner) or inspect.isclass(owner)) and defined_in != module_name:
                rest = path[len(module_name) + 1 :]
                problems.append(
                    f"{row.where}: `{path}` is a re-export; name it where it is defined: "
                    f"`{defined_in}.{rest}`."
                )
            elif target is None:
                problems.append(f"{row.where}: `{path}` names None, not code: fix the path.")
    assert not problems, "\n".join(problems)


def test_every_listed_test_exists():
    problems = []
    for row in rows():
        for node_id in row.tests:
            file_name, _, name = base_node_id(node_id).partition("::")
            path = ROOT / file_name
            if not name or not file_name.startswith("tests/"):
                problems.append(
                    f"{row.where}: `{node_id}` is not a pytest node id: write it as "
                    "`tests/<path>.py::test_<name>`."
                )
            elif not path.is_file():
                problems.append(
                    f"{row.where}: `{node_id}`: there is no file {file_name}; write the test's "
                    "current node id, or drop it from the row."
                )
            elif name not in defined_tests(path):
                problems.append(
                    f"{row.where}: `{node_id}`: {file_name} defines no test {name}; it was renamed "
                    "or removed: write its current node id, or drop it from the row."
                )
    assert not problems, "\n".join(problems)


def test_every_test_carrying_a_rule_id_is_listed_under_that_rule():
    by_rule = rows_by_rule()
    standards = set(standard_rules())
    problems = []
    for path in files_of_tests():
        file_name = path.relative_to(ROOT).as_posix()
        for name in sorted(defined_tests(path)):
            node_id = f"{file_name}::{name}"
            for major, minor in NAME_RULE.findall(name.rpartition("::")[2]):
                rule = rule_of(major, minor)
                row = by_rule.get(rule)
                if rule not in standards:
                    problems.append(
                        f"{node_id} carries {rule}, which is not a rule of docs/process-standards.md: "
                        "fix the rule id in the test's name."
                    )
                elif row is None or row.not_yet:
                    continue  # no row, or "not implemented yet": the tests above and below say so
                elif node_id not in {base_node_id(listed) for listed in row.tests}:
                    problems.append(
                        f"{node_id} carries {rule} but is not listed under it: add `{node_id}` to "
                        f"the Proven by cell of {row.where}."
                    )
    assert not problems, "\n".join(problems)


def test_implemented_rules_name_code_and_tests_and_the_others_name_none():
    carried: dict[str, list[str]] = {}
    for path in files_of_tests():
        file_name = path.relative_to(ROOT).as_posix()
        for name in defined_tests(path):
            for major, minor in NAME_RULE.findall(name.rpartition("::")[2]):
                carried.setdefault(rule_of(major, minor), []).append(f"{file_name}::{name}")
    problems = []
    for row in rows():
        if row.not_yet:
            if row.functions or row.tests:
                problems.append(
                    f"{row.where} says {NOT_YET!r} but names "
                    f"{', '.join(f'`{item}`' for item in row.functions + row.tests)}: drop them, or "
                    f"replace {NOT_YET!r} by the functions that implement it."
                )
            for node_id in sorted(carried.get(row.rule, [])):
                problems.append(
                    f"{row.where} says {NOT_YET!r} but `{node_id}` carries its id: the rule is "
                    f"implemented now: replace {NOT_YET!r} by the functions that implement it and "
                    "list the test (or rename the test if it proves another rule)."
                )
            continue
        if not row.functions:
            problems.append(
                f"{row.where} names no function: list the functions that implement it, as "
                f"`package.module.function`, or write {NOT_YET!r}."
            )
        if not row.tests:
            problems.append(
                f"{row.where} names no test: prove it with a test named "
                f"test_{row.rule.lower().replace('.', '_')}_<what it shows> and list its node id, "
                f"or write {NOT_YET!r}."
            )
    assert not problems, "\n".join(problems)
