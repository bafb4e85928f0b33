import json

from flask import Flask, request
from pymongo import MongoClient

app = Flask(__name__)
db = MongoClient().shop


@app.route("/orders")
def orders():
    raw = request.args.get("filter", "{}")
    query = json.loads(raw)
    # ruleid: mergegate.python.nosql-injection
    found = db.orders.find(query)
    # ruleid: mergegate.python.nosql-injection
    one = db.orders.find_one({"customer": query})
    name = request.args.get("name", "")
    # ok: mergegate.python.nosql-injection
    by_name = db.orders.find({"customer": name})
    # ok: mergegate.python.nosql-injection
    by_eq = db.orders.find_one({"customer": {"$eq": query}})
    # ruleid: mergegate.python.nosql-injection
    js = db.orders.find({"$where": "this.customer == '" + name + "'"})
    # ok: mergegate.python.nosql-injection
    as_text = db.orders.find({"customer": str(query)})
    return str((found, one, by_name, by_eq, js, as_text))


@app.route("/search", methods=["POST"])
def search():
    body = request.get_json()
    # ruleid: mergegate.python.nosql-injection
    return str(list(db.items.find(body["query"])))
