import os

import psycopg2
import sqlalchemy

# ruleid: mergegate.python.hardcoded-connection-credentials
engine = sqlalchemy.create_engine("postgresql://app:S3cr3tPass@db.internal:5432/orders")
# ok: mergegate.python.hardcoded-connection-credentials
env_engine = sqlalchemy.create_engine(os.environ["DATABASE_URL"])
# ok: mergegate.python.hardcoded-connection-credentials
EXAMPLE = "postgresql://user:<password>@localhost/db"
# ok: mergegate.python.hardcoded-connection-credentials
TEMPLATE = "redis://:${REDIS_PASSWORD}@cache:6379/0"
# ok: mergegate.python.hardcoded-connection-credentials
NO_PASSWORD = "mongodb://db.internal:27017/app"


def connect():
    # ruleid: mergegate.python.hardcoded-connection-credentials
    conn = psycopg2.connect(host="db.internal", user="app", password="hunter2!")
    # ok: mergegate.python.hardcoded-connection-credentials
    other = psycopg2.connect(host="db.internal", user="app", password=os.environ["PGPASSWORD"])
    # ruleid: mergegate.python.hardcoded-connection-credentials
    amqp = "amqp://guest:guest123@rabbit.prod.example.com:5672/"
    return conn, other, amqp
