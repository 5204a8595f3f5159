"""DatabaseOperationsManager on SQLite and PostgreSQL: CRUD, raw, transactions, errors."""

from __future__ import annotations

import pytest
from f0_sql import DatabaseOperationsError, DatabaseOperationsManager
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CREATE = "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, qty INTEGER, price NUMERIC(10, 2))"


@pytest.fixture
def db(db_url):
    manager = DatabaseOperationsManager(db_url)
    manager.execute_operation("execute_raw", {}, {"sql": CREATE})
    yield manager
    manager.close()


def names(db, **data):
    return [
        r["name"]
        for r in db.execute_operation("read", {"table": "items"}, {"order_by": ["id"], **data})[
            "rows"
        ]
    ]


def test_crud_round_trip(db):
    rows = [
        {"id": 1, "name": "widget", "qty": 3, "price": 2.5},
        {"id": 2, "name": "gadget", "qty": 0, "price": 10},
    ]
    assert db.execute_operation("create", {"table": "items"}, {"rows": rows}) == {"rowcount": 2}
    got = db.execute_operation("read", {"table": "items"}, {"where": {"name": "widget"}})
    assert got == {"rows": [{"id": 1, "name": "widget", "qty": 3, "price": 2.5}], "rowcount": 1}
    assert db.execute_operation(
        "update", {"table": "items"}, {"values": {"qty": 7}, "where": {"id": 2}}
    ) == {"rowcount": 1}
    assert names(db, where={"qty": {">": 5}}) == ["gadget"]
    assert db.execute_operation("delete", {"table": "items"}, {"where": {"id": [1]}}) == {
        "rowcount": 1
    }
    assert names(db) == ["gadget"]


def test_read_columns_order_limit_and_comparisons(db):
    db.execute_operation(
        "create",
        {"table": "items"},
        {"rows": [{"id": i, "name": f"n{i}", "qty": i % 3} for i in range(1, 8)]},
    )
    got = db.execute_operation(
        "read", {"table": "items"}, {"columns": ["name"], "order_by": ["-id"], "limit": 2}
    )
    assert got["rows"] == [{"name": "n7"}, {"name": "n6"}]
    assert names(db, where={"qty": {"in": [0]}}) == ["n3", "n6"]
    assert names(db, where={"name": {"like": "n1%"}}) == ["n1"]
    assert names(db, where={"price": None}) == [f"n{i}" for i in range(1, 8)]


def test_raw_with_bound_parameters(db):
    db.execute_operation("create", {"table": "items"}, {"values": {"id": 1, "name": "a", "qty": 1}})
    got = db.execute_operation(
        "raw", {}, {"sql": "SELECT name FROM items WHERE qty = :q", "params": {"q": 1}}
    )
    assert got == {"rows": [{"name": "a"}], "rowcount": 1}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(
        alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
        max_size=40,
    )
)
def test_values_are_bound_never_formatted(db, text):
    """Quotes, semicolons, SQL in values: stored and read back verbatim; the table survives."""
    db.execute_operation("delete", {"table": "items"}, {"all_rows": True})
    db.execute_operation("create", {"table": "items"}, {"values": {"id": 1, "name": text}})
    assert names(db, where={"name": text}) == [text]
    got = db.execute_operation(
        "raw", {}, {"sql": "SELECT count(*) AS n FROM items WHERE name = :v", "params": {"v": text}}
    )
    assert got["rows"] == [{"n": 1}]


def test_a_failing_operation_rolls_the_whole_transaction_back(db):
    def both() -> None:
        with db.transaction() as conn:
            db.execute_operation(
                "create", {"table": "items"}, {"values": {"id": 1, "name": "a"}}, conn
            )
            db.execute_operation(
                "create", {"table": "items"}, {"values": {"id": 1, "name": "dup"}}, conn
            )

    with pytest.raises(DatabaseOperationsError, match="IntegrityError"):
        both()
    assert names(db) == []


def test_bad_sql_is_one_line(db):
    with pytest.raises(DatabaseOperationsError) as info:
        db.execute_operation("raw", {}, {"sql": "SELEC name FROM items"})
    message = str(info.value)
    assert message.startswith("execute_raw: ")
    assert "syntax error" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("op", "target", "data", "message"),
    [
        ("read", {"table": "nope"}, {}, "the database has no table 'nope'"),
        (
            "read",
            {"table": "items"},
            {"where": {"colour": "red"}},
            r"has no column 'colour' \(columns: id, name, qty, price\)",
        ),
        (
            "create",
            {"table": "items"},
            {"values": {"id": 1}},
            r"create on table 'items': .*(NOT NULL|not-null)",
        ),
        ("update", {"table": "items"}, {"values": {"qty": 1}}, "would touch every row"),
        ("read", {"table": "items"}, {"where": {"qty": {"~": 1}}}, "unknown comparison '~'"),
    ],
)
def test_bad_operations_name_the_problem(db, op, target, data, message):
    with pytest.raises(DatabaseOperationsError, match=message):
        db.execute_operation(op, target, data)


def test_health_check(db):
    health = db.health_check()
    assert health["healthy"] is True
    assert health["latency_s"] >= 0


def test_connection_refused_is_reported_without_the_password(pg_server):
    from .pg_server import free_port

    manager = DatabaseOperationsManager(f"postgresql+psycopg://u:hunter2@127.0.0.1:{free_port()}/x")
    assert manager.health_check()["healthy"] is False
    with pytest.raises(DatabaseOperationsError) as info:
        manager.execute_operation("raw", {}, {"sql": "SELECT 1"})
    assert "refused" in str(info.value).lower()
    assert "hunter2" not in str(info.value)
    assert "***" in str(info.value)


def test_unknown_driver_is_a_clear_error():
    with pytest.raises(DatabaseOperationsError, match="cannot use database URL"):
        DatabaseOperationsManager("nosuchdb://x/y")
