import sqlite3

import click
import sqlalchemy
from django.http import HttpResponse
from fastapi import FastAPI
from flask import Flask, request

app = Flask(__name__)
api = FastAPI()
TABLE = "users"


@app.route("/users")
def find_user():
    name = request.args.get("name")
    conn = sqlite3.connect("app.db")
    cur = conn.cursor()
    query = "SELECT * FROM users WHERE name = '" + name + "'"
    # ruleid: mergegate.python.sql-injection
    cur.execute(query)
    # ruleid: mergegate.python.sql-injection
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
    # ok: mergegate.python.sql-injection
    cur.execute("SELECT * FROM users WHERE name = ?", (name,))
    user_id = int(request.args["id"])
    # ok: mergegate.python.sql-injection
    cur.execute("SELECT * FROM users WHERE id = %d" % user_id)
    return "ok"


def django_view(request):
    order = request.GET["order"]
    from myapp.models import User

    # ruleid: mergegate.python.sql-injection
    User.objects.raw("SELECT * FROM users ORDER BY " + order)
    # ok: mergegate.python.sql-injection
    User.objects.raw("SELECT * FROM users WHERE name = %s", [order])
    return HttpResponse("ok")


@api.get("/items")
async def items(q: str, limit: int = 10):
    engine = sqlalchemy.create_engine("sqlite://")
    with engine.connect() as conn:
        # ruleid: mergegate.python.sql-injection
        conn.execute(sqlalchemy.text("SELECT * FROM items WHERE title LIKE '%" + q + "%'"))
        # ok: mergegate.python.sql-injection
        conn.execute(sqlalchemy.text("SELECT * FROM items WHERE title = :q"), {"q": q})
        # an int parameter is validated by FastAPI: the taint rule stays quiet, and in a request
        # handler the syntactic rule leaves the judgement to it
        # ok: mergegate.python.sql-string-formatting
        conn.execute(sqlalchemy.text(f"SELECT * FROM items LIMIT {limit}"))
    return []


def report(cur, column):
    # ruleid: mergegate.python.sql-string-formatting
    cur.execute("SELECT %s FROM reports" % column)
    # ruleid: mergegate.python.sql-string-formatting
    cur.execute("DELETE FROM reports WHERE owner = '{}'".format(column))
    # ok: mergegate.python.sql-string-formatting
    cur.execute("SELECT * FROM reports WHERE owner = %s", (column,))
    # ok: mergegate.python.sql-string-formatting
    cur.execute(f"SELECT * FROM {TABLE} WHERE id = ?", (1,))
    # ok: mergegate.python.sql-string-formatting
    logger_line = "selected from %s" % column
    return logger_line


@app.route("/search/<term>")
def search(term):
    conn = sqlite3.connect("app.db")
    cur = conn.cursor()
    query = "SELECT * FROM items WHERE 1 = 1"
    query += " AND title = '" + term + "'"
    # ruleid: mergegate.python.sql-injection
    cur.execute(query)
    columns = ", ".join(request.args.getlist("col"))
    sql = "SELECT " + columns + " FROM items"
    # ruleid: mergegate.python.sql-injection
    cur.execute(sql)
    order = request.args.get("order", "id")
    if order not in ("id", "title", "price"):
        order = "id"
        return "bad order", 400
    # checked against an allow-list: neither rule reports it in a request handler
    # ok: mergegate.python.sql-string-formatting
    cur.execute("SELECT * FROM items ORDER BY " + order)
    # ok: mergegate.python.sql-injection
    cur.execute("SELECT * FROM items WHERE title = ?", [term])
    return "ok"


def django_more(request, slug):
    from django.db.models.expressions import RawSQL
    from myapp.models import Item

    # ruleid: mergegate.python.sql-injection
    Item.objects.extra(where=["slug = '%s'" % slug])
    # ruleid: mergegate.python.sql-injection
    Item.objects.annotate(val=RawSQL("SELECT 1 FROM t WHERE s = '" + slug + "'", []))
    # ok: mergegate.python.sql-injection
    Item.objects.filter(slug=slug)
    return HttpResponse("ok")


@app.route("/orm")
def orm():
    name = request.args["name"]
    engine = sqlalchemy.create_engine("sqlite://")
    session = sqlalchemy.orm.Session(engine)
    stmt = sqlalchemy.select(User).where(User.name == name)
    # ok: mergegate.python.sql-injection
    session.execute(stmt)
    # ruleid: mergegate.python.sql-injection
    session.execute(sqlalchemy.text(text=name))
    return "ok"


if __name__ == "__main__":
    import sys

    db = sqlite3.connect("app.db")
    # ruleid: mergegate.python.sql-injection, mergegate.python.sql-string-formatting
    db.execute("DELETE FROM jobs WHERE id = " + sys.argv[1])


def record_delivery(conn, deliveries, forge, delivery_id):
    # ok: mergegate.python.sql-string-formatting
    conn.execute(insert(deliveries).values(id=f"{forge}:{delivery_id}", forge=forge))


@click.command()
@click.argument("name")
def purge(name):
    # not a request handler: the syntactic rule still reports what a command formats in
    # ruleid: mergegate.python.sql-string-formatting
    sqlite3.connect("app.db").execute("DELETE FROM users WHERE name = '%s'" % name)
